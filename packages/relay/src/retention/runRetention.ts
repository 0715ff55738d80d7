import type { Hex } from 'viem';
import type { RelayContext } from '../app/context.js';
import { terminalStates } from '../chain/taskStates.js';

export type RunRetentionReturnType = {
  linkedTasks: number;
  expiredArgs: number;
  retiredTasks: number;
  orphans: number;
};

const syncCursor = 'taskCreatedBlock';
/** An object without a row this old is a leftover of a crash between the object write and its row. */
const orphanAgeMs = 60 * 60 * 1000;
const defaultPageSize = 1000;

/**
 * One pass of the retention job. It links pre-task uploads to the tasks created with them (TaskCreated events
 * since the last pass), deletes pre-task uploads whose statement expired (plus grace) without a task, notes
 * tasks that turned terminal on chain, deletes the data of tasks terminal for longer than the retention period,
 * and removes orphaned objects. Nothing of a task the chain shows live is ever deleted: a task's data goes
 * only once a fresh chain read shows it terminal (terminal states are final on chain).
 *
 * @example
 * await runRetention(context);
 */
export async function runRetention(
  context: RelayContext,
  options: { pageSize?: number; orphanAgeMs?: number } = {},
): Promise<RunRetentionReturnType> {
  const pageSize = options.pageSize ?? defaultPageSize;
  const orphanAge = options.orphanAgeMs ?? orphanAgeMs;
  const { meta, objects } = context.storage;
  const { chain, config } = context;
  const now = context.now();
  let linkedTasks = 0;

  // 1. Link tasks created since the last pass to the arguments held for them.
  const latest = await chain.getBlockNumber();
  let from = ((await meta.getCursor(syncCursor)) ?? BigInt(0)) + 1n;
  if (from === 1n) from = 0n;
  while (from <= latest) {
    const to = from + chain.maxLogRange - 1n < latest ? from + chain.maxLogRange - 1n : latest;
    for (const event of await chain.getTaskCreatedRange(from, to)) {
      if (!event.taskType) continue;
      const args = await meta.getArgs(event.argsCommitment);
      if (!args || args.creator !== event.creator) continue;
      if (await meta.getTask(event.taskKey)) continue;
      await meta.insertTask({
        taskKey: event.taskKey.toLowerCase() as Hex,
        argsCommitment: event.argsCommitment,
        creator: event.creator,
        taskType: event.taskType,
        terminalAt: null,
      });
      linkedTasks++;
    }
    await meta.setCursor(syncCursor, to);
    from = to + 1n;
  }

  // 2. Pre-task uploads whose statement expired without a task (linking above ran up to the latest block).
  let expiredArgs = 0;
  for (const args of await meta.listExpiredArgs(now - config.retention.graceSeconds)) {
    // Conditional: a re-upload may have refreshed the expiry (and been given a statement) since the listing.
    const keys = await meta.deleteExpiredArgs(args.argsCommitment, now - config.retention.graceSeconds);
    for (const key of keys) await objects.delete(key);
    if (keys.length === 0) continue;
    expiredArgs++;
    context.metrics.deleted.inc({ kind: 'args' });
  }

  // 3. Note tasks that turned terminal. Paged by key: more than a page of live tasks must not hide the rest.
  // Every task of the pass is read in one view of the chain, from a head read begun after this point (the chain
  // reader's follower: one sync for the pass, not one per task).
  const viewSince = Date.now();
  let afterTask: Hex | undefined;
  for (;;) {
    const page = await meta.listLiveTasks(pageSize, afterTask);
    for (const task of page) {
      const onChain = await chain.getTask(task.taskKey, { since: viewSince });
      if (terminalStates.has(onChain.state)) await meta.markTerminal(task.taskKey, now);
    }
    if (page.length < pageSize) break;
    afterTask = page[page.length - 1]!.taskKey;
  }

  // 4. Delete the data of tasks terminal for longer than the retention period.
  let retiredTasks = 0;
  for (const task of await meta.listRetiredTasks(now - config.retention.terminalSeconds, 1000)) {
    const onChain = await chain.getTask(task.taskKey, { since: viewSince });
    if (!terminalStates.has(onChain.state)) continue;
    for (const key of await meta.deleteTask(task.taskKey)) await objects.delete(key);
    retiredTasks++;
    context.metrics.deleted.inc({ kind: 'task' });
  }

  // 5. Orphans: objects written by a process killed before it recorded them.
  // Paged by key, so a first page of live (referenced) objects does not stall the sweep.
  let orphans = 0;
  let afterKey: string | undefined;
  for (;;) {
    const page = await objects.listOlderThan(orphanAge, pageSize, afterKey);
    for (const key of page) {
      if (await meta.isReferenced(key)) continue;
      await objects.delete(key);
      orphans++;
    }
    if (page.length < pageSize) break;
    afterKey = page[page.length - 1];
  }
  await meta.pruneRequests(now);
  return { linkedTasks, expiredArgs, retiredTasks, orphans };
}
