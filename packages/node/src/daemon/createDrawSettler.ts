import { taskManagerAbi } from '@verinet/protocol/chain';
import { type Hex, parseEventLogs, toHex } from 'viem';
import { createPollLoop } from '../chain/createPollLoop.js';
import {
  abortReasons,
  readNodeStatus,
  readPendingDraws,
  settleDrawsRequest,
  simulateSettleDraws,
} from '../chain/taskManager.js';
import { findLiveTx } from '../store/index.js';
import type { TxSender } from '../tx/index.js';
import type { NodeContext } from './context.js';

export type DrawSettlerParameters = Pick<
  NodeContext,
  'client' | 'sender' | 'store' | 'contracts' | 'node'
> & {
  /** How often the chain is asked whether draws wait (one view call while none do). */
  intervalMs: number;
  /**
   * An Available node (one a draw may pick) settles after a random wait in [0, delayMs) from the moment it
   * first sees a settleable draw (with hints: from the TaskCreated it was hinted), and only if nobody settled
   * meanwhile: most draws are settled by the next transaction of anyone, and of several nodes the one with the
   * shortest wait pays, the others see nothing left to settle.
   */
  delayMs: number;
  /**
   * A registered node that cannot be drawn now (Busy, Paused…) still settles a draw left waiting this long,
   * before the creation block's hash ages out (256 blocks) and the task expires unserved.
   */
  backstopMs: number;
  /** Gas cap of one settlement (64 draws at most are pending; each is one node selection). */
  maxGas: bigint;
  random?: (() => number) | undefined;
  /**
   * Whoever owns the settler calls `hint(taskKey)` for every TaskCreated it sees and `drawn(taskKey)` for every
   * draw settled (the daemon's watcher does): then a settler with no draw known to wait reads nothing from the
   * chain. Without, it asks `pendingDraws()` every interval.
   */
  hints?: boolean | undefined;
  /**
   * With hints, `pendingDraws()` is read again at least this often all the same (default 60 s): a draw put back
   * by a reorg or a missed event is found without a hint.
   */
  rereadMs?: number | undefined;
  notice: (level: 'info' | 'warn', message: string) => void;
};

export type DrawSettler = {
  /** One check: settles when a draw has waited past this node's delay. Resolves to the draws settled. */
  tick: () => Promise<number>;
  /**
   * A task was created or put back into the draws (the watcher saw TaskCreated or TaskRedraw): its draw is pending
   * until `drawn`. While no draw is known to wait and the chain said none do, the settler asks nothing: a draw is
   * only ever added by createTask and by a redraw of a queued task (review M2), and most are settled by another
   * transaction before this node's delay. Ignored without `hints`.
   */
  hint: (taskKey?: Hex) => void;
  /** A task's draw was settled (TaskStarted, TaskQueued or DrawExpired seen). */
  drawn: (taskKey: Hex) => void;
  start: () => void;
  stop: () => Promise<void>;
};

const drawExpired = abortReasons.indexOf('DrawExpired');

/** The events a draw emits: a node, the queue, or the end of a draw whose hash aged out. */
const isDrawEvent = (event: { eventName: string; args: unknown }) =>
  event.eventName === 'TaskStarted' ||
  event.eventName === 'TaskQueued' ||
  (event.eventName === 'TaskEndAborted' && Number((event.args as { reason: number }).reason) === drawExpired);

/**
 * Settles the draws the chain holds Pending (F1: createTask records a task; a later transaction draws its node
 * from the creation block's hash). Without it a quiet network leaves tasks undrawn until their hash expires.
 * Persisted like every transaction of the node (the sender signs, stores, then broadcasts), so a crash never
 * sends a second settlement while the first may land: a live one is waited for, never replaced by a new one.
 *
 * @example
 * const settler = createDrawSettler({ client, sender, store, contracts, node, intervalMs: 1000, delayMs: 5000, … });
 * settler.start();
 */
export function createDrawSettler(parameters: DrawSettlerParameters): DrawSettler {
  const { client, sender, store, contracts, node } = parameters;
  const random = parameters.random ?? Math.random;
  let dueAt: number | undefined;
  // Whether draws may be pending beyond those known: true at start (nothing known) and after a hint without a key.
  let maybePending = true;
  const rereadMs = parameters.rereadMs ?? 60_000;
  let readAt = 0;
  /**
   * With hints: the draws seen created and not yet seen drawn, each with the moment this node may settle it (its
   * own random wait from the hint). Nothing is read from the chain before one is due: under load the next
   * transaction of anyone settles a draw within a block, so reading `pendingDraws()` at every hint (20 nodes,
   * every interval) was most of what the nodes asked the chain and none of it led to a settlement.
   */
  const waiting = new Map<string, number>();
  /** A key for draws found pending that no hint announced (from before a start, or put back by a reorg). */
  const unannounced = 'unannounced';

  const settle = async (): Promise<number> => {
    const head = await client.getBlockNumber();
    // One settlement per head block: the idempotency key of the sender (a restart finds it, mined or live).
    const tx = await sender.send({
      purpose: 'settleDraws',
      taskKey: toHex(head, { size: 32 }),
      request: settleDrawsRequest(contracts, parameters.maxGas),
    });
    return waitFor(tx);
  };

  const waitFor = async (tx: Parameters<TxSender['wait']>[0]): Promise<number> => {
    const outcome = await sender.wait(tx, { timeoutMs: 60_000 });
    if (outcome.status !== 'mined') return 0;
    const drawn = parseEventLogs({ abi: taskManagerAbi, logs: outcome.receipt.logs }).filter(
      isDrawEvent,
    ).length;
    if (drawn > 0)
      parameters.notice('info', `Settled ${drawn} pending draw(s) (block ${outcome.receipt.blockNumber}).`);
    return drawn;
  };

  /** With hints: reads the chain only when a known draw is due, at start, after a reorg, or every `rereadMs`. */
  const tickHinted = async (): Promise<number> => {
    const now = Date.now();
    const due = [...waiting.values()].some((at) => at <= now);
    const reread = maybePending || now - readAt >= rereadMs;
    if (!due && !reread) return 0;
    // Cleared before the read: a hint without a key arriving while it is on its way sets it again.
    maybePending = false;
    readAt = now;
    const known = [...waiting.keys()];
    if ((await readPendingDraws(client, contracts)) === 0n) {
      // Their draws were settled by events this node has not read yet (or missed): nothing waits.
      for (const key of known) waiting.delete(key);
      return 0;
    }
    if (!due) {
      // Draws wait that no hint announced: they get a wait like any other.
      if (!waiting.has(unannounced))
        waiting.set(unannounced, now + Math.floor(random() * parameters.delayMs));
      return 0;
    }
    if ((await simulateSettleDraws(client, contracts, node)) === 0n) return 0; // created in the head block
    const status = await readNodeStatus(client, contracts, node);
    if (status !== 'Available') {
      // A node that cannot be drawn settles only a draw left waiting its backstop longer (a quit one never).
      for (const [key, at] of waiting) if (at <= now) waiting.set(key, now + parameters.backstopMs);
      return 0;
    }
    const drawn = await settle();
    waiting.delete(unannounced);
    return drawn;
  };

  const tick = async (): Promise<number> => {
    // A settlement signed before a crash (or still unmined) is followed, never doubled.
    const live = findLiveTx(store, node, 'settleDraws');
    if (live) {
      dueAt = undefined;
      return waitFor(live);
    }
    if (parameters.hints) return tickHinted();
    const known = [...waiting.keys()];
    readAt = Date.now();
    if ((await readPendingDraws(client, contracts)) === 0n) {
      for (const key of known) waiting.delete(key);
      dueAt = undefined;
      return 0;
    }
    if ((await simulateSettleDraws(client, contracts, node)) === 0n) return 0; // created in the head block
    const now = Date.now();
    if (dueAt === undefined) {
      const status = await readNodeStatus(client, contracts, node);
      if (status === 'Quit') return 0;
      dueAt =
        now + (status === 'Available' ? Math.floor(random() * parameters.delayMs) : parameters.backstopMs);
    }
    if (now < dueAt) return 0;
    dueAt = undefined;
    return settle();
  };

  const loop = createPollLoop({
    step: tick,
    waitMs: () =>
      dueAt === undefined
        ? parameters.intervalMs
        : Math.min(parameters.intervalMs, Math.max(0, dueAt - Date.now())),
    onError: (message) => parameters.notice('warn', `Settling pending draws failed: ${message}; retrying.`),
    // A settlement being waited for stays persisted: the next start follows it.
    stopWaitMs: 10_000,
  });

  return {
    tick,
    hint(taskKey) {
      if (!taskKey) {
        maybePending = true;
        return;
      }
      const key = taskKey.toLowerCase();
      if (!waiting.has(key)) waiting.set(key, Date.now() + Math.floor(random() * parameters.delayMs));
    },
    drawn(taskKey) {
      waiting.delete(taskKey.toLowerCase());
    },
    start: loop.start,
    stop: loop.stop,
  };
}
