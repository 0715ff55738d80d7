import type { TaskRecord } from '../task/types.js';

/**
 * How long the daemon's task loop may sleep after a scan of the open tasks: until the earliest retry time of a task
 * not running now (`nextAttemptAt`), at most `maxMs`. Every other reason to scan wakes the loop at once (the watcher
 * changed this node's tasks, a step ended), so a fixed short timer only re-read SQLite: 20 daemons of a devnet
 * scanned 100 times a second with nothing due.
 *
 * @example
 * const waitMs = getTaskLoopWaitMs(listOpenTasks(store), inFlight, Date.now(), 1_000);
 */
export function getTaskLoopWaitMs(
  tasks: readonly Pick<TaskRecord, 'taskKey' | 'step' | 'nextAttemptAt'>[],
  inFlight: ReadonlySet<string>,
  now: number,
  maxMs: number,
): number {
  let wait = maxMs;
  for (const task of tasks) {
    if (task.step === 'ended' || inFlight.has(task.taskKey.toLowerCase())) continue;
    wait = Math.min(wait, Math.max(0, task.nextAttemptAt - now));
  }
  return wait;
}
