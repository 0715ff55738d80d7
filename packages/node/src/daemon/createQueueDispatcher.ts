import { taskManagerAbi } from '@verinet/protocol/chain';
import { type Address, type Hex, parseEventLogs, toHex } from 'viem';
import { createPollLoop } from '../chain/createPollLoop.js';
import {
  type ContractRequest,
  type Contracts,
  readNodeStatus,
  SETTLE_ALL_EXTRA_GAS,
} from '../chain/taskManager.js';
import { findLiveTx } from '../store/index.js';
import type { TxSender } from '../tx/index.js';
import type { NodeContext } from './context.js';

export type QueueDispatcherParameters = Pick<
  NodeContext,
  'client' | 'sender' | 'store' | 'contracts' | 'node'
> & {
  /** How often an idle node looks at the queue (one view call while the queue is empty). */
  intervalMs: number;
  /** Queued tasks `dispatchQueuedDeep` may probe from the head (gas grows with it; default 64). */
  maxProbes?: bigint | undefined;
  /** Gas cap of one dispatch (it settles every pending draw first, like settleDraws). */
  maxGas: bigint;
  /**
   * Every idle node sees the same queue: each waits a random time in [0, delayMs) after its first simulation and
   * simulates again before signing, so that one node takes the task and the others send nothing (a losing
   * dispatch is mined and pays its probes). Default: `intervalMs`.
   */
  delayMs?: number | undefined;
  /** Source of the random wait (tests); default Math.random. */
  random?: (() => number) | undefined;
  /**
   * With hints the owner calls `hint()` whenever the queue may have become non-empty or this node free (the
   * daemon: every TaskQueued, every change of this node's tasks or status): `queueHead()` is then read only after
   * a hint, every interval while the queue was last seen non-empty, and every `rereadMs` all the same. Without, it
   * is read every interval (20 devnet nodes polling it every second were a quarter of their RPC calls).
   */
  hints?: boolean | undefined;
  /** With hints, the queue is read at least this often all the same (default 30 s): a missed event costs this. */
  rereadMs?: number | undefined;
  /** Whether this node runs no task now (a busy node cannot be drawn: it skips the queue); default always. */
  isIdle?: (() => boolean) | undefined;
  notice: (level: 'info' | 'warn', message: string) => void;
};

export type QueueDispatcher = {
  /**
   * One check: if this node is idle, puts the first queued task that fits it back into the draws (review M2).
   * Resolves to that task's key; its node (this one or another) comes with a later settlement's TaskStarted.
   */
  tick: () => Promise<Hex | undefined>;
  /** The queue may hold a task now, or this node became free (see `hints`). */
  hint: () => void;
  /**
   * With hints, the queue as the chain's events show it: `queued` for every TaskQueued, `left` for every
   * TaskStarted and task end, `forget` after a reorg. Once a read found the queue empty, a hint while no queued
   * task is known reads nothing (a freed node hinted it after each of its tasks: one `queueHead()` call per task
   * and node). A TaskQueued hints by itself; a read that finds a task the events did not show reads on.
   */
  queued: (taskKey: Hex) => void;
  left: (taskKey: Hex) => void;
  forget: () => void;
  start: () => void;
  stop: () => Promise<void>;
};

const zeroKey = `0x${'0'.repeat(64)}` as const;

const dispatchRequest = (
  contracts: Contracts,
  node: Address,
  maxProbes: bigint,
  maxGas: bigint,
): ContractRequest => ({
  address: contracts.taskManager,
  abi: taskManagerAbi,
  functionName: 'dispatchQueuedDeep',
  args: [node, maxProbes],
  extraGas: SETTLE_ALL_EXTRA_GAS,
  maxGas,
});

/**
 * Finding 4 on the node's side: a release probes only the queue's three heads, and a node that joins or
 * resumes probes none, so a queued task behind tasks that fit nobody (or queued while every node was busy)
 * would wait for its timeout next to an idle node. An Available node that sees a non-empty queue calls
 * `dispatchQueuedDeep(itself, maxProbes)`: the chain puts the first queued task in FIFO order that fits it back
 * into the pending draws (review M2: Queued → Pending, TaskRedraw), and a later settlement draws its node from
 * that block's hash over every available node, this one included. So the node chooses neither the task nor
 * whether it gets it. Only after a simulation says a task fits (an idle node next to tasks that fit nobody sends
 * nothing). The task then reaches the daemon of the node drawn through TaskStarted like any other. Persisted by
 * the sender (one dispatch per head block), so a crash neither loses nor doubles it.
 *
 * @example
 * const dispatcher = createQueueDispatcher({ client, sender, store, contracts, node, intervalMs: 5000, maxGas });
 * dispatcher.start();
 */
export function createQueueDispatcher(parameters: QueueDispatcherParameters): QueueDispatcher {
  const { client, sender, store, contracts, node } = parameters;
  const maxProbes = parameters.maxProbes ?? 64n;
  const delayMs = parameters.delayMs ?? parameters.intervalMs;
  const random = parameters.random ?? Math.random;
  const rereadMs = parameters.rereadMs ?? 30_000;
  // True at start (nothing known), after a hint, and while the last read saw a queued task.
  let maybeQueued = true;
  let readAt = 0;
  /** Tasks queued on chain (from the events) since this process started, not yet started or ended. */
  const linked = new Set<string>();
  /** A read found the queue empty, since the start or the last reorg: from then on `linked` is the whole queue. */
  let emptySeen = false;

  const waitFor = async (tx: Parameters<TxSender['wait']>[0]): Promise<Hex | undefined> => {
    const outcome = await sender.wait(tx, { timeoutMs: 60_000 });
    if (outcome.status !== 'mined') return undefined;
    const redrawn = parseEventLogs({
      abi: taskManagerAbi,
      logs: outcome.receipt.logs,
      eventName: 'TaskRedraw',
    })[0];
    if (redrawn)
      parameters.notice(
        'info',
        `Queued task ${redrawn.args.taskKey} goes back to the draws (dispatchQueuedDeep).`,
      );
    return redrawn?.args.taskKey;
  };

  const tick = async (): Promise<Hex | undefined> => {
    // A dispatch signed before a crash (or still unmined) is followed, never doubled.
    const live = findLiveTx(store, node, 'dispatchQueued');
    if (live) return waitFor(live);
    if (parameters.hints) {
      const now = Date.now();
      if (!maybeQueued && now - readAt < rereadMs) return undefined;
      // The events show no queued task: nothing to take (the periodic read still looks all the same).
      if (emptySeen && linked.size === 0 && now - readAt < rereadMs) {
        maybeQueued = false;
        return undefined;
      }
      // A busy node skips the queue; it is hinted again when its task changes.
      if (parameters.isIdle && !parameters.isIdle()) return undefined;
      readAt = now;
      // Cleared before the read: a hint arriving while it is on its way sets it again.
      maybeQueued = false;
    }
    let head: Hex;
    try {
      head = await client.readContract({
        address: contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'queueHead',
      });
    } catch (error) {
      // A failed read must not use up the hint: the next tick reads again.
      maybeQueued = true;
      throw error;
    }
    if (head === zeroKey) {
      emptySeen = true;
      return undefined;
    }
    // A task the events did not show (queued before this process read its events): read on until empty again.
    if (linked.size === 0) emptySeen = false;
    maybeQueued = true;
    const fits = async (blockTag: 'pending' | 'latest'): Promise<boolean> => {
      if ((await readNodeStatus(client, contracts, node)) !== 'Available') return false;
      const { result } = await client.simulateContract({
        address: contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'dispatchQueuedDeep',
        args: [node, maxProbes],
        account: node,
        blockTag,
      });
      return result !== zeroKey; // zero: nothing queued fits this node
    };
    if (!(await fits('pending'))) return undefined;
    // Other idle nodes saw the same queue: whoever's wait ends first takes the task, the others see it gone.
    await loop.sleep(Math.floor(random() * delayMs));
    if (loop.stopped || !(await fits('latest'))) return undefined;
    const block = await client.getBlockNumber();
    // One dispatch per head block: the sender's idempotency key (a restart finds it, mined or live).
    const tx = await sender.send({
      purpose: 'dispatchQueued',
      taskKey: toHex(block, { size: 32 }),
      request: dispatchRequest(contracts, node, maxProbes, parameters.maxGas),
    });
    return waitFor(tx);
  };

  const loop = createPollLoop({
    step: tick,
    waitMs: () => parameters.intervalMs,
    onError: (message) => parameters.notice('warn', `Taking a queued task failed: ${message}; retrying.`),
    stopWaitMs: 10_000,
  });

  return {
    tick,
    hint() {
      maybeQueued = true;
    },
    queued(taskKey) {
      // Bounded: a set that grew this large has missed its ends somehow; then reads decide again.
      if (linked.size >= 10_000) {
        linked.clear();
        emptySeen = false;
      }
      linked.add(taskKey.toLowerCase());
      maybeQueued = true;
    },
    left(taskKey) {
      linked.delete(taskKey.toLowerCase());
    },
    forget() {
      linked.clear();
      emptySeen = false;
      maybeQueued = true;
    },
    start: loop.start,
    stop: loop.stop,
  };
}
