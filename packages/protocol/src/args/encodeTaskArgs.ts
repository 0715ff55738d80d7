import type { Hex } from 'viem';
import { canonicalizeTaskArgs } from './canonicalizeTaskArgs.js';
import { getArgsHash } from './getArgsHash.js';
import type { TaskArgsByType } from './parseTaskArgs.js';
import { parseTaskArgsBytes } from './parseTaskArgsBytes.js';
import type { TaskType } from './taskType.js';

export type EncodeTaskArgsReturnType<T extends TaskType> = {
  /** The parsed arguments (defaults applied), as a node will read them. */
  args: TaskArgsByType[T];
  /** Canonical JSON of the arguments as given: the bytes to upload. */
  bytes: Uint8Array;
  argsHash: Hex;
};

/**
 * What an application does before `createTask`: encodes its arguments (as given, without defaults) to
 * canonical bytes, validates those bytes exactly as a node will, and hashes them.
 *
 * @example
 * const { bytes, argsHash } = encodeTaskArgs('sd', { base_model: 'runwayml/stable-diffusion-v1-5', prompt: 'a cat' });
 */
export function encodeTaskArgs<T extends TaskType>(taskType: T, input: unknown): EncodeTaskArgsReturnType<T> {
  const bytes = canonicalizeTaskArgs(input);
  // Parse the encoded bytes, not the input: exactly what a node will decode and check.
  const args = parseTaskArgsBytes(taskType, bytes);
  return { args, bytes, argsHash: getArgsHash(bytes) };
}
