import type { TaskEventWatch } from '../chain/createTaskEventWaker.js';
import { type ChainTaskInfo, isEnded, isReported, readChainTimeCached, readTimeout } from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import { ReportLogUnavailableError } from '../errors/index.js';
import type { TaskRecord } from '../types.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { sleep } from '../utils/sleep.js';
import { withRetry } from '../utils/withRetry.js';
import { refreshMember } from './refreshMember.js';
import { settleDraws } from './settleDraws.js';

export type WaitForReportOptions = {
  signal?: AbortSignal | undefined;
  /** `seed`: return once the original has its sampling seed (a node was chosen); `reports` (default): once
   * every member reported, ended, or passed its timeout. */
  until?: 'seed' | 'reports' | undefined;
  /**
   * Internal (runTask): the watch of the members' events to sleep on, kept by the caller across waits (so that a
   * log that came between two waits still wakes the second); the wait does not stop it.
   */
  watch?: TaskEventWatch | undefined;
  /**
   * Internal (runTask, with `watch`): the states were read just before by a wait on the same watch: the first
   * round sleeps until a log of the members (or the fallback poll) instead of reading them again at once.
   */
  statesRead?: boolean | undefined;
};

export type WaitForReportReturnType = {
  record: TaskRecord;
  /** Task keys of members still Queued/Started past their timeout (abortable by anyone). */
  timedOut: `0x${string}`[];
};

const runningEveryMs = 5_000;

/**
 * How long a member the chain shows reported may lack its report log before the wait gives up with
 * ReportLogUnavailableError: the log is in the same block as the state change, so only an RPC that lags behind its
 * own state reads (a load-balanced replica: seconds) or does not serve the range (pruned logs: for good) misses it.
 */
export const reportLogWaitMs = 20_000;
/** How long a created task the chain answers None for is read again before the wait takes it for gone. */
export const unseenTaskWaitMs = 20_000;

/** How often a wait woken by events reads the chain all the same (a dropped subscription, a timeout to see). */
const eventFallbackMs = (context: SdkContext) => Math.max(context.pollIntervalMs, 2_000);

/**
 * How long a Pending draw waits, on a chain that made no block since its creation, for someone else's transaction
 * before the app pays for its own `settleDraws`: a busy chain (many apps and nodes) makes a block every few tens
 * of milliseconds, each settling the pending draws; a quiet one costs the app this much once.
 */
const settleGraceMs = 50;

/** Whether a member's node is not drawn yet (not read, or Pending). */
const isDrawing = (member: TaskRecord['members'][number]) =>
  !member.state || member.state === 'None' || member.state === 'Pending';

const readHead = (context: SdkContext, id: string, signal: AbortSignal | undefined) =>
  withRetry(context, { id, step: 'read-head', signal }, () =>
    context.access.publicClient.getBlockNumber({ cacheTime: 0 }),
  );

/**
 * Whether the app should send `settleDraws` for a member read Pending at or after head `head`: `settle` at once
 * when blocks after its draw block (`drawBlock`: the creation block, or the dispatch block of a task redrawn from
 * the queue, `getTask().seedBlock`) left it Pending (none of them settled draws). While the head is still the draw
 * block: with the shared log feed (`busy` known), `settle` unless another transaction is about to land (`wait`:
 * the next head wakes the wait, which decides again); without it, `grace` (wait `settleGraceMs` for a block).
 */
export function decideDrawSettlement(parameters: {
  head: bigint | undefined;
  drawBlock: bigint | undefined;
  busy: boolean | undefined;
}): 'settle' | 'wait' | 'grace' {
  const { head, drawBlock, busy } = parameters;
  if (head === undefined || drawBlock === undefined || head > drawBlock) return 'settle';
  if (busy === undefined) return 'grace';
  return busy ? 'wait' : 'settle';
}

/** The block whose hash draws a Pending member's node: its redraw's block, else its creation block. */
const getDrawBlock = (member: TaskRecord['members'][number], info: ChainTaskInfo): bigint | undefined =>
  info.seedBlock > 0n
    ? info.seedBlock
    : member.createdBlock === undefined
      ? undefined
      : BigInt(member.createdBlock);

/**
 * The block a round of state reads covers for every member it read: the lowest floor taken before a member's last
 * read (undefined when a member's read had none: the feed not live). A round that read no member covers nothing new.
 */
export function getRoundFloor(floors: ReadonlyMap<string, bigint | undefined>): bigint | undefined {
  let lowest: bigint | undefined;
  for (const floor of floors.values()) {
    if (floor === undefined) return undefined;
    if (lowest === undefined || floor < lowest) lowest = floor;
  }
  return lowest;
}

/** Whether the app should send `settleDraws` for a Pending member now (see decideDrawSettlement). */
async function isDrawLeftToUs(
  context: SdkContext,
  record: TaskRecord,
  member: TaskRecord['members'][number],
  info: ChainTaskInfo,
  head: bigint | undefined,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const drawBlock = getDrawBlock(member, info);
  const busy = context.feed?.head() === undefined ? undefined : context.feed.isChainBusy();
  const decision = decideDrawSettlement({ head, drawBlock, busy });
  if (decision !== 'grace') return decision === 'settle';
  await sleep(settleGraceMs, signal, record.id);
  if ((await readHead(context, record.id, signal)) === drawBlock) return true;
  return (await refreshMember(context, record, member, signal)).state === 'Pending';
}

/**
 * Polls the chain until the current members reported (TaskScoreReady / TaskErrorReported), or their timeout
 * (the task type's `timeout`, counted in chain time from the state's start) passed. Emits node, running,
 * scored and error_reported events. With `onTimeout: 'wait'` a timed-out member is waited for anyway.
 *
 * @example
 * const { record, timedOut } = await client.waitForReport(id);
 */
export async function waitForReport(
  context: SdkContext,
  id: string,
  options: WaitForReportOptions = {},
): Promise<WaitForReportReturnType> {
  const record = await loadRecord(context, id);
  let timeout = await withRetry(context, { id, step: 'read-timeout', signal: options.signal }, () =>
    readTimeout(context, record.taskType),
  );
  /** The timeout as the chain has it now: read before one is declared (the owner may have raised it since). */
  let timeoutConfirmed = false;
  const started = Date.now();
  let lastRunning = 0;
  // Woken by the members' own events (the shared log feed, or WebSocket), and a read every few seconds all the same.
  const watch = options.watch ?? context.events?.watch(record.members.map((m) => m.taskKey));
  let skipRead = options.statesRead === true && options.watch !== undefined;
  /** Per member the chain answered None for (unknown key): since when (bounded by unseenTaskWaitMs). */
  const unseenSince = new Map<string, number>();
  /** Per member reported on chain whose report log was not read yet: since when (bounded by reportLogWaitMs). */
  const reportLogMissingSince = new Map<string, number>();
  try {
    return await poll();
  } finally {
    if (watch !== options.watch) watch?.stop();
  }

  async function poll(): Promise<WaitForReportReturnType> {
    for (;;) {
      if (skipRead) {
        skipRead = false;
        await pause();
        continue;
      }
      // The block this round's reads cover at least: the lowest of the feed's floors (its head, or the block of a
      // receipt received before) taken before each member's last read. Logs up to it are in what the reads
      // returned and need not wake the next sleep (watch.seen below). A member re-read after this app's own
      // settlement counts from that read: the settlement's own TaskStarted log (its block is the receipt's) woke
      // the next wait for a state already read, one wasted getTask per task the app settled itself (s14).
      const floors = new Map<string, bigint | undefined>();
      const refresh = async (member: TaskRecord['members'][number]) => {
        floors.set(member.taskKey, context.feed?.readFloor());
        return refreshMember(context, record, member, options.signal);
      };
      // Saved only when a poll changed it: a store may commit with an fsync (the bridge's SQLite), and a wait polls
      // every few hundred milliseconds.
      const before = JSON.stringify(record);
      const timedOut: `0x${string}`[] = [];
      let pending = 0;
      let now: bigint | undefined;
      // Read before the states: a draw still Pending at a head past its creation block was left by those blocks.
      const headBefore = record.members.some(isDrawing)
        ? (context.feed?.head() ?? (await readHead(context, id, options.signal)))
        : undefined;
      for (const member of record.members) {
        if (
          isEnded(member.state) ||
          (isReported(member.state) && (member.score || member.errorCode !== undefined))
        )
          continue;
        const info = await refresh(member);
        if (isEnded(info.state)) continue;
        if (isReported(info.state)) {
          // Reported, but its report's log not read yet: a group opened now would carry an empty score and
          // revert (CommitmentOpeningMismatch; once in 3,000 bench tasks, s13). The next round reads it again.
          if (member.score === undefined && member.errorCode === undefined) {
            const since = reportLogMissingSince.get(member.taskKey) ?? Date.now();
            reportLogMissingSince.set(member.taskKey, since);
            if (Date.now() - since >= reportLogWaitMs)
              throw new ReportLogUnavailableError(
                member.taskKey,
                member.seedBlock ?? '0',
                Date.now() - since,
              );
            pending++;
          }
          continue;
        }
        if (info.state === 'None' && member.createdBlock !== undefined) {
          // A task this app created that the read does not know: a load-balanced RPC's replica behind the one that
          // gave the createTask receipt (s14 review), or a chain that went back. Its stateTime is 0, so it must not
          // count as timed out at once; it is read again, and taken for gone (a timeout, as before) only after
          // unseenTaskWaitMs. While no block follows its creation block, nothing makes the read catch up unless a
          // transaction lands: when the draw is left to this app (a Pending member), it settles it as for Pending.
          if (
            headBefore !== undefined &&
            headBefore <= BigInt(member.createdBlock) &&
            (await isDrawLeftToUs(context, record, member, info, headBefore, options.signal)) &&
            (await settleDraws(context, options.signal))
          )
            await refresh(member);
          const since = unseenSince.get(member.taskKey) ?? Date.now();
          unseenSince.set(member.taskKey, since);
          if (Date.now() - since < unseenTaskWaitMs) {
            pending++;
            continue;
          }
          if (context.onTimeout !== 'wait') timedOut.push(member.taskKey);
          else pending++;
          continue;
        }
        unseenSince.delete(member.taskKey);
        if (info.state === 'Pending') {
          // F1: any later transaction draws the node; send one if nobody (a node daemon, another app) will.
          if (await isDrawLeftToUs(context, record, member, info, headBefore, options.signal)) {
            const receipt = await settleDraws(context, options.signal);
            // Read the member again rather than take the draw from the receipt's TaskStarted: between the read
            // above and this settlement the task may have been queued and redrawn (TaskRedraw moves its seed block),
            // and the seed the sampling proves over is only in the task's state (a receipt-only draw kept the old
            // seed: validateTaskGroup reverted NotSampled once in a 10,000-task run).
            if (receipt) await refresh(member);
          }
          pending++;
          continue;
        }
        now ??= await withRetry(context, { id, step: 'read-time', signal: options.signal }, () =>
          readChainTimeCached(context),
        );
        if (context.onTimeout !== 'wait' && now >= info.stateTime + timeout && !timeoutConfirmed) {
          timeout = await withRetry(context, { id, step: 'read-timeout', signal: options.signal }, () =>
            readTimeout(context, record.taskType, { fresh: true }),
          );
          timeoutConfirmed = true;
        }
        if (context.onTimeout !== 'wait' && now >= info.stateTime + timeout) timedOut.push(member.taskKey);
        else pending++;
      }
      if (JSON.stringify(record) !== before) await saveRecord(context, record);
      // Also before returning at the seed: the next wait (runTask's, on the same watch) sleeps until a newer log.
      const floor = getRoundFloor(floors);
      if (floor !== undefined) watch?.seen?.(floor);
      const original = record.members[0];
      // A queued original has no seed yet: its dispatch block's hash replaces the creation block's, and the
      // node folds that one into its commitment, so sampling on the earlier hash proves over the wrong seed. Nor
      // has one read None (a lagging read): the seed saved from its receipt is unconfirmed until it is seen drawn.
      if (
        options.until === 'seed' &&
        original &&
        ((original.seed && !isDrawing(original) && original.state !== 'Queued') ||
          isEnded(original.state) ||
          timedOut.length)
      )
        return { record, timedOut };
      if (pending === 0) return { record, timedOut };
      if (Date.now() - lastRunning >= runningEveryMs) {
        lastRunning = Date.now();
        for (const member of record.members) {
          if (member.state === 'Started' && member.node)
            context.emit({
              type: 'running',
              id,
              taskKey: member.taskKey,
              node: member.node,
              elapsedMs: Date.now() - started,
            });
        }
      }
      await pause();
    }
  }

  async function pause(): Promise<void> {
    // Draws are settled within a block or by this app (isDrawLeftToUs): a drawing member waits for the next head
    // (the feed wakes it). A WebSocket waker does not see heads: the next head is polled at the poll interval, but
    // the draw's own log (TaskStarted, TaskQueued) ends the sleep at once instead of at the interval's end.
    const stillDrawing = record.members.some(isDrawing);
    if (watch?.live && stillDrawing && context.feed)
      await watch.sleep(context.pollIntervalMs, options.signal, id, { heads: true });
    else if (watch?.live && stillDrawing) await watch.sleep(context.pollIntervalMs, options.signal, id);
    else if (watch?.live) await watch.sleep(eventFallbackMs(context), options.signal, id);
    else await sleep(context.pollIntervalMs, options.signal, id);
  }
}
