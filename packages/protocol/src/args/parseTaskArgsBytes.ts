import { decodeTaskArgs } from './decodeTaskArgs.js';
import { parseTaskArgs, type TaskArgsByType } from './parseTaskArgs.js';
import type { TaskType } from './taskType.js';

/**
 * What a node runs on downloaded argument bytes (after checking their hash against the on-chain
 * commitment): {@link decodeTaskArgs} then {@link parseTaskArgs}. Throws InvalidTaskArgsError only.
 *
 * @example
 * const args = parseTaskArgsBytes('llm', bytes);
 */
export function parseTaskArgsBytes<T extends TaskType>(taskType: T, bytes: Uint8Array): TaskArgsByType[T] {
  return parseTaskArgs(taskType, decodeTaskArgs(bytes));
}
