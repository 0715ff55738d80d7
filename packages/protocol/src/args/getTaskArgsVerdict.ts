import { decodeTaskArgs } from './decodeTaskArgs.js';
import { InvalidTaskArgsError } from './errors.js';
import { parseTaskArgs, type TaskArgsByType } from './parseTaskArgs.js';
import type { TaskType } from './taskType.js';

/**
 * Task types a worker of this version has a backend for. `sd_ft` has a schema (so apps and the chain can name
 * it) but no backend and no result check yet: a node cannot run it and never reports it, so such a task could
 * only time out. The worker's default backend registry must list exactly these (a test checks it).
 */
export const runnableTaskTypes = ['sd', 'llm'] as const satisfies readonly TaskType[];

/**
 * What every honest node of this version does with a task's arguments:
 * - `runnable`: it runs them;
 * - `invalid_args`: it refuses them and reports the error on chain (every node reaches the same verdict on
 *   the same bytes, so a validation group agrees);
 * - `unsupported`: it cannot run them and does NOT report (a task version newer than the worker, or a task
 *   type without a backend): nodes of other versions could disagree, so the claim must never reach the chain.
 *   Such a task can only time out, so a relay must not attest arguments with this verdict.
 */
export type TaskArgsVerdict<T extends TaskType = TaskType> =
  | { status: 'runnable'; args: TaskArgsByType[T] }
  | { status: 'invalid_args'; error: InvalidTaskArgsError }
  | { status: 'unsupported'; error: InvalidTaskArgsError };

/**
 * Whether an error thrown by {@link parseTaskArgs} means "this worker version cannot run the task" (not
 * reported on chain) rather than "the arguments are wrong" (reported). The worker classifies its errors with
 * it, the relay refuses uploads with it.
 *
 * @example
 * isUnsupportedTaskArgsError(error) // true for a task version newer than the worker
 */
export function isUnsupportedTaskArgsError(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'InvalidTaskArgsError') return false;
  const { field, kind } = error as { field?: unknown; kind?: unknown };
  return kind === 'unsupported' && (field === 'version' || field === '');
}

/**
 * The verdict of this version's nodes on argument bytes (canonical JSON) of a task type.
 *
 * @example
 * const verdict = getTaskArgsVerdict('sd', bytes);
 * if (verdict.status === 'unsupported') console.log(verdict.error.shortMessage);
 */
export function getTaskArgsVerdict<T extends TaskType>(taskType: T, bytes: Uint8Array): TaskArgsVerdict<T> {
  if (!(runnableTaskTypes as readonly string[]).includes(taskType))
    return {
      status: 'unsupported',
      error: new InvalidTaskArgsError([
        {
          field: '',
          kind: 'unsupported',
          reason: `no worker of this version has a backend for task type ${JSON.stringify(taskType)}`,
        },
      ]),
    };
  try {
    return { status: 'runnable', args: parseTaskArgs(taskType, decodeTaskArgs(bytes)) };
  } catch (error) {
    if (!(error instanceof InvalidTaskArgsError)) throw error;
    return { status: isUnsupportedTaskArgsError(error) ? 'unsupported' : 'invalid_args', error };
  }
}
