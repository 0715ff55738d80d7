import type { Address, Hex } from 'viem';
import type { ChainTask } from '../chain/createChainReader.js';
import { terminalStates } from '../chain/taskStates.js';
import { RelayError } from '../errors/RelayError.js';
import type { ArgsRecord, TaskRecord } from '../storage/types.js';
import type { RelayContext } from './context.js';

/**
 * The task as the chain shows it; a task the chain does not know (yet) is a retryable 425, never a 404: the
 * relay's RPC may be a block behind the client's. An answer read at a cached head that the caller would be
 * refused (`accept` false, or no such task) is read again at a newer head first: the head is cached for up to
 * `chain.cacheMs`, and a node asking right after its selection block must not be sent away for seconds.
 */
export async function getKnownTask(
  context: RelayContext,
  taskKey: Hex,
  accept: (task: ChainTask) => boolean = () => true,
): Promise<ChainTask> {
  let task = await context.chain.getTask(taskKey);
  if (task.state === 'None' || !accept(task)) task = await context.chain.getTask(taskKey, { recheck: true });
  if (task.state === 'None')
    throw new RelayError('TASK_UNKNOWN', `Task ${taskKey} is not on chain as this relay sees it (yet).`, {
      retryAfter: context.config.chain.retryAfterSeconds,
    });
  return task;
}

/** Whether {@link requireNode} lets `caller` through (for {@link getKnownTask}'s `accept`). */
export const isNodeAllowed =
  (caller: Address | undefined, states: readonly ChainTask['state'][]) =>
  (task: ChainTask): boolean =>
    states.includes(task.state) && caller === task.node;

/** Refuses unless the caller is the task's selected node and the task is in one of `states`. */
export function requireNode(
  task: ChainTask,
  caller: Address | undefined,
  states: readonly ChainTask['state'][],
  what: string,
): void {
  if (task.state === 'Queued' || task.state === 'Pending')
    throw new RelayError(
      'TASK_NOT_STARTED',
      `The task is ${task.state.toLowerCase()}: no node was selected yet, so nobody may ${what}.`,
    );
  if (!states.includes(task.state))
    throw new RelayError(
      'TASK_STATE',
      `The task is ${task.state}: ${what} is allowed only while it is ${states.join(' or ')}.`,
    );
  if (caller !== task.node)
    throw new RelayError('NOT_TASK_NODE', `Only the task's node ${task.node} may ${what}.`);
}

/**
 * The relay's link from a task to the arguments it holds, made on first use from the TaskCreated event: the
 * arguments must have been uploaded by the task's creator under the task's argsCommitment.
 */
export async function getTaskArgs(
  context: RelayContext,
  taskKey: Hex,
): Promise<{ link: TaskRecord; args: ArgsRecord } | undefined> {
  // Callers ask only for live tasks (their state checks come first), and the rows of a live task's link never
  // change nor go (retention deletes them only once the task is terminal): the link is kept per instance, so a
  // node polling its arguments costs no metadata query. Its `expiry` may be older than the row's (unused here).
  const cached = context.taskArgs.get(taskKey);
  if (cached) return cached;
  const found = await findTaskArgs(context, taskKey);
  if (found) {
    context.taskArgs.set(taskKey, found);
    if (context.taskArgs.size > 10_000)
      for (const key of [...context.taskArgs.keys()].slice(0, 1_000)) context.taskArgs.delete(key);
  }
  return found;
}

async function findTaskArgs(
  context: RelayContext,
  taskKey: Hex,
): Promise<{ link: TaskRecord; args: ArgsRecord } | undefined> {
  const { meta } = context.storage;
  const link = await meta.getTask(taskKey);
  if (link) {
    const args = await meta.getArgs(link.argsCommitment);
    return args ? { link, args } : undefined;
  }
  const created = await context.chain.getTaskCreated(taskKey);
  if (!created?.taskType) return undefined;
  const args = await meta.getArgs(created.argsCommitment);
  if (!args || args.creator !== created.creator) return undefined;
  const record: TaskRecord = {
    taskKey,
    argsCommitment: created.argsCommitment,
    creator: created.creator,
    taskType: created.taskType,
    terminalAt: null,
  };
  await meta.insertTask(record);
  return { link: record, args };
}

export function isTerminal(task: ChainTask): boolean {
  return terminalStates.has(task.state);
}
