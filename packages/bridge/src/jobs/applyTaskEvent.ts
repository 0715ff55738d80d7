import type { TaskEvent } from '@verinet/sdk';
import type { JobRecord, JobTask } from '../store/types.js';

export type JobProgress = Pick<JobRecord, 'steps' | 'tasks'>;

function task(tasks: JobTask[], taskKey: string): JobTask {
  let found = tasks.find((t) => t.taskKey === taskKey);
  if (!found) {
    found = { taskKey, role: 'original', node: null, state: 'Created', txs: {} };
    tasks.push(found);
  }
  return found;
}

/**
 * The job's protocol progress after one SDK event (pure). Steps record the first time each milestone is
 * reached; `sampled` is recorded only once validation makes it public on chain (the decision is known to the
 * bridge earlier, but showing it while the group runs would tell a watcher which tasks form the group).
 *
 * @example
 * const next = applyTaskEvent(job, { type: 'node', id, at, taskKey, node });
 */
export function applyTaskEvent(progress: JobProgress, event: TaskEvent): JobProgress {
  const steps = { ...progress.steps };
  const tasks = progress.tasks.map((t) => ({ ...t, txs: { ...t.txs } }));
  const at = event.at;
  switch (event.type) {
    case 'created': {
      const t = task(tasks, event.taskKey);
      t.role = event.role;
      if (event.txHash) t.txs.create = event.txHash;
      t.state = 'Created';
      if (event.role === 'original')
        steps.created ??= { at, ...(event.txHash ? { txHash: event.txHash } : {}) };
      break;
    }
    case 'queued':
      task(tasks, event.taskKey).state = 'Queued';
      break;
    case 'node': {
      const t = task(tasks, event.taskKey);
      t.node = event.node;
      t.state = 'Started';
      steps.node ??= { at };
      break;
    }
    case 'scored': {
      const t = task(tasks, event.taskKey);
      t.node = event.node;
      t.state = 'ScoreReady';
      steps.scored ??= { at };
      break;
    }
    case 'error_reported': {
      const t = task(tasks, event.taskKey);
      t.state = 'ErrorReported';
      break;
    }
    case 'validated': {
      for (const key of event.taskKeys) task(tasks, key).state = 'Validated';
      steps.validated ??= { at };
      steps.sampled ??= { at, value: event.mode === 'group' };
      break;
    }
    case 'paid': {
      const t = task(tasks, event.taskKey);
      t.state = 'Paid';
      steps.paid ??= { at };
      break;
    }
    case 'refunded':
      task(tasks, event.taskKey).state = 'Refunded';
      break;
    case 'aborted':
      task(tasks, event.taskKey).state = 'Aborted';
      break;
    default:
      return progress;
  }
  return { steps, tasks };
}
