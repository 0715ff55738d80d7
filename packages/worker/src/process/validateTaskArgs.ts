import type { TaskType } from '../backend/types.js';

// TEMPORARY until @verinet/protocol/args lands.
export function validateTaskArgs(taskType: TaskType, raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) {
    const error = new Error(`Invalid task arguments for ${taskType}: not an object`);
    error.name = 'InvalidTaskArgsError';
    throw error;
  }
  return raw;
}
