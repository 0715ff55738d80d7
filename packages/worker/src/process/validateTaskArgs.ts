import { parseTaskArgs } from '@verinet/protocol/args';
import type { TaskType } from '../backend/types.js';

/**
 * Validates raw task arguments with the protocol's schemas (defaults applied). Throws InvalidTaskArgsError,
 * which the worker reports as `invalid_args` (or `unsupported` for a task version newer than this worker).
 */
export function validateTaskArgs(taskType: TaskType, raw: unknown): unknown {
  return parseTaskArgs(taskType, raw);
}
