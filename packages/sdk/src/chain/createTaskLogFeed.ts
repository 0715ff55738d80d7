import { type Address, type Hex, type PublicClient, toEventSelector } from 'viem';
import { TaskCancelledError } from '../errors/index.js';
import type { TaskEventWaker, TaskEventWatch } from './createTaskEventWaker.js';
import { subscribeOverWebSocket, type WebSocketSubscription } from './subscribeOverWebSocket.js';

/** SamplingSeedRecorded(bytes32,bytes32): a node saving its task's seed (no change of the task's state). */
const samplingSeedRecorded = toEventSelector('SamplingSeedRecorded(bytes32,bytes32)');

/**
 * The first wait before a new WebSocket subscription after one ended, doubled after each end up to the most; back to
 * the first only after a subscription that pushed heads lasted the most.
 */
const resubscribeMinMs = 500;
const resubscribeMaxMs = 30_000;
/** A pushed head more blocks than this above the HTTP reads' head is not believed (it still starts a read). */
const headsAheadMax = 8n;
/** Reads started by pushed heads are this far apart at least (a flood of heads makes no flood of reads). */
const headsReadGapMs = 100;

/**
 * A wait the feed wakes: by one of its tasks' logs, or (while it asks) by any new head; `block` is the block of
 * the log or head (undefined: wake whatever the wait has seen, after a reorg or a gap).
 */
type Waiter = { keys: string[]; heads: boolean; wake: (block?: bigint) => void };

export type TaskLogFeed = TaskEventWaker & {
  /** The latest head the feed read (undefined before its first read or while its reads fail). */
  head: () => bigint | undefined;
  /**
   * The block a state read started now covers at least: the feed's head, or the block of the latest receipt this
   * process received (a read sent after a receipt of block B is answered at B or later by a consistent RPC; a
   * lagging load-balanced one may answer from before B: the log of B then waits for the wait's fallback poll, a
   * delay, never a decision). Undefined before the feed's first read or while its reads fail.
   */
  readFloor: () => bigint | undefined;
  /**
   * Whether a transaction is about to land that would settle pending draws: a write of this process is under way
   * (`writing`), or a block this process did not make came within the last `busyWindowMs`.
   */
  isChainBusy: () => boolean;
  /** Counts a write of this process from signing to receipt (`isChainBusy`); call the result when it ended. */
  writing: () => (blockNumber?: bigint | undefined) => void;
  /** One read of the head and of the new blocks' logs (tests; the feed polls on its own while waits watch). */
  pollOnce: () => Promise<void>;
};

export type CreateTaskLogFeedParameters = {
  publicClient: PublicClient;
  taskManager: Address;
  /** How often the head is read while a wait watches (one `eth_blockNumber`, plus `eth_getLogs` when it moved). */
  pollIntervalMs: number;
  /** A foreign block this recent makes `isChainBusy` true (default 200 ms). */
  busyWindowMs?: number | undefined;
  /** Blocks read in one `eth_getLogs` at most; a longer gap wakes every wait instead (default 1,000). */
  maxRange?: number | undefined;
  /**
   * A WebSocket endpoint of the same chain: while waits watch, one `eth_subscribe('newHeads')` per feed starts a
   * read at each new head instead of at the next poll (on average half `pollIntervalMs` later). A head only says
   * "read now": the reads (head number, logs) still go over HTTP and decide as without it; the timer's polls go on
   * as the fallback, so a lost subscription costs time, never a log. The subscription has a socket of its own.
   * One whose socket closes, whose opening takes longer than `headsOpenTimeoutMs`, or that pushes no head for
   * `headsStallMs` while the HTTP reads see the chain move on, is replaced by a new one on a new socket (after
   * 0.5 s, doubling up to 30 s; back to 0.5 s only after one that pushed heads lasted 30 s); the polls answer
   * meanwhile. A pushed head more than 8 blocks above the HTTP head is not taken as seen, and reads started by heads
   * are 100 ms apart at least.
   */
  wsUrl?: string | undefined;
  /**
   * How long the HTTP reads may see heads above the last one pushed over WebSocket, with none pushed meanwhile,
   * before the subscription counts as stalled and is replaced (default: twice `pollIntervalMs`, at least 2 s).
   */
  headsStallMs?: number | undefined;
  /**
   * How long a subscription's socket opening and the answer to its `eth_subscribe` may take; longer counts as a
   * failure and the subscription is replaced after the backoff (default 10 s).
   */
  headsOpenTimeoutMs?: number | undefined;
};

/**
 * One reader of the chain for every wait of the SDK clients of a process (20 apps in one process made 20 times the
 * same `getTask` polls): while any wait watches, it reads the head every `pollIntervalMs` and, when the head moved,
 * the TaskManager's logs of the new blocks in one `eth_getLogs`, and wakes each wait whose task a log names (every
 * TaskManager event of a task has its key as first indexed topic); waits that asked for it are woken by any new
 * head (a Pending draw is settled by any later transaction). A log only says "read now": every state is still read
 * with `getTask` and decided from that read, so a missed log (a reorg replacing blocks at the same height, a
 * failing RPC) costs the wait's safety poll, never correctness. A head below the last one (reorg to a shorter
 * chain, a reset devnet) wakes every wait. No timer runs while nothing watches.
 *
 * @example
 * const feed = createTaskLogFeed({ publicClient, taskManager, pollIntervalMs: 1_000 });
 * const watch = feed.watch([taskKey]);
 * await watch.sleep(5_000); // ends at the task's next log, or after 5 s
 * watch.stop();
 */
export function createTaskLogFeed(parameters: CreateTaskLogFeedParameters): TaskLogFeed {
  const { publicClient, taskManager, pollIntervalMs } = parameters;
  const busyWindowMs = parameters.busyWindowMs ?? 200;
  const maxRange = BigInt(parameters.maxRange ?? 1_000);
  const waiters = new Set<Waiter>();
  const byKey = new Map<string, Set<Waiter>>();
  let head: bigint | undefined;
  let live = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling: Promise<void> | undefined;
  let writes = 0;
  let foreignAt = 0;
  /** Blocks this process's writes landed in (recent ones): the others are foreign. */
  const ownBlocks = new Set<bigint>();
  /** The highest block of a receipt this process's writes received (readFloor). */
  let receivedHead = -1n;

  const wakeAll = () => {
    for (const waiter of waiters) waiter.wake();
  };

  const poll = async () => {
    try {
      const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
      checkHeads(latest);
      if (head === undefined || latest < head || latest - head > maxRange) {
        // First read, a shorter chain or a long gap: every wait reads once (and receipts of the longer chain no
        // longer bound what a read covers).
        if (head !== undefined && latest < head) receivedHead = -1n;
        head = latest;
        live = true;
        wakeAll();
        return;
      }
      if (latest === head) {
        live = true;
        return;
      }
      const logs = await publicClient.getLogs({
        address: taskManager,
        fromBlock: head + 1n,
        toBlock: latest,
      });
      for (let n = head + 1n; n <= latest; n++) if (!ownBlocks.delete(n)) foreignAt = Date.now();
      for (const n of ownBlocks) if (n <= latest) ownBlocks.delete(n);
      head = latest;
      live = true;
      // Each wait woken once, at the latest block that concerns it.
      const woken = new Map<Waiter, bigint>();
      for (const log of logs) {
        // A recorded sampling seed changes no state a wait reads (getTask): it wakes nobody.
        if (log.topics[0] === samplingSeedRecorded) continue;
        const key = (log.topics[1] as Hex | undefined)?.toLowerCase();
        const block = log.blockNumber ?? latest;
        for (const waiter of (key && byKey.get(key)) || [])
          if ((woken.get(waiter) ?? -1n) < block) woken.set(waiter, block);
      }
      for (const waiter of waiters) if (waiter.heads) woken.set(waiter, latest);
      for (const [waiter, block] of woken) waiter.wake(block);
    } catch {
      // The waits see `live` false and poll on their own until a read succeeds.
      live = false;
    }
  };

  const pollOnce = (): Promise<void> => {
    polling ??= poll().finally(() => {
      polling = undefined;
    });
    return polling;
  };

  // Heads pushed over WebSocket: a read at once, one at a time (heads during a read make one more read after it),
  // at least `headsReadGapMs` after the previous one a head started.
  let again = false;
  let headReadAt = 0;
  let headReadTimer: ReturnType<typeof setTimeout> | undefined;
  const pollNow = () => {
    if (closed || waiters.size === 0 || headReadTimer !== undefined) return;
    if (polling) {
      again = true;
      return;
    }
    const wait = headReadAt + headsReadGapMs - Date.now();
    if (wait > 0) {
      headReadTimer = setTimeout(() => {
        headReadTimer = undefined;
        pollNow();
      }, wait);
      return;
    }
    headReadAt = Date.now();
    void pollOnce().finally(() => {
      if (!again) return;
      again = false;
      pollNow();
    });
  };
  // The WebSocket heads. A subscription whose socket closed (an RPC restart, a proxy's cut), whose opening did not
  // answer within `headsOpenTimeoutMs`, or that stopped delivering while the HTTP reads see new blocks (a connection
  // that stays open but carries nothing: no close ever comes) is ended, its socket closed, and a new one opened after
  // a backoff; the timer's polls answer meanwhile. Each subscription has a socket of its own (never viem's socket
  // shared per URL): ending it touches no other feed or waker.
  let heads: { subscription: WebSocketSubscription; since: number; pushed: boolean } | undefined;
  /** Increased by every subscription and every end of one: a callback of an ended one does nothing. */
  let headsGeneration = 0;
  /** The latest head the subscription pushed (or the feed's head when it began): the HTTP reads above it... */
  let headsSeen: bigint | undefined;
  /** ...since this time (ms), with no head pushed since: the subscription is stalled after `headsStallMs`. */
  let headsBehindSince: number | undefined;
  let resubscribeTimer: ReturnType<typeof setTimeout> | undefined;
  let resubscribeDelayMs = resubscribeMinMs;
  const headsStallMs = parameters.headsStallMs ?? Math.max(2 * pollIntervalMs, 2_000);
  const headsOpenTimeoutMs = parameters.headsOpenTimeoutMs ?? 10_000;

  const endHeads = () => {
    const ended = heads;
    heads = undefined;
    headsGeneration++;
    headsBehindSince = undefined;
    // At once, whatever the socket's state (an opening under way is aborted): nothing is awaited.
    ended?.subscription.close();
  };

  const watchHeads = () => {
    if (!parameters.wsUrl || heads || resubscribeTimer !== undefined || closed) return;
    const generation = ++headsGeneration;
    headsSeen = head;
    headsBehindSince = undefined;
    const subscription = subscribeOverWebSocket({
      url: parameters.wsUrl,
      params: ['newHeads'],
      openTimeoutMs: headsOpenTimeoutMs,
      onData: (data) => {
        if (generation !== headsGeneration || !heads) return;
        const number = (data as { number?: unknown } | undefined)?.number;
        if (typeof number !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(number)) return;
        heads.pushed = true;
        onHead(BigInt(number));
      },
      onEnd: () => {
        if (generation === headsGeneration) resubscribe();
      },
    });
    heads = { subscription, since: Date.now(), pushed: false };
  };

  /** A head pushed by the subscription: a read at once (rate-limited). */
  const onHead = (blockNumber: bigint) => {
    // A head far above the HTTP reads' (or before their first) is not believed (a hostile or broken endpoint):
    // taken as seen, it would turn the stall check off for the subscription. It still starts a read (which decides).
    if (head !== undefined && blockNumber <= head + headsAheadMax) {
      if (headsSeen === undefined || blockNumber > headsSeen) headsSeen = blockNumber;
      headsBehindSince = undefined;
    }
    pollNow();
  };

  /**
   * Ends the subscription and opens a new one after the backoff: 0.5 s doubling up to 30 s, back to 0.5 s only
   * after a subscription that pushed heads lasted 30 s (one that pushes a head and closes, again and again, backs
   * off as one that pushes nothing).
   */
  const resubscribe = () => {
    if (heads?.pushed && Date.now() - heads.since >= resubscribeMaxMs) resubscribeDelayMs = resubscribeMinMs;
    endHeads();
    if (closed || resubscribeTimer !== undefined) return;
    resubscribeTimer = setTimeout(() => {
      resubscribeTimer = undefined;
      if (waiters.size > 0) watchHeads();
    }, resubscribeDelayMs);
    // Waits keep the process alive with their own timers; a pending resubscription alone does not.
    resubscribeTimer.unref?.();
    resubscribeDelayMs = Math.min(2 * resubscribeDelayMs, resubscribeMaxMs);
  };

  /** After an HTTP read of `latest`: a subscription that pushed nothing while the chain moved on is stalled. */
  const checkHeads = (latest: bigint) => {
    if (!heads) return;
    if (headsSeen === undefined || latest <= headsSeen) {
      headsSeen ??= latest;
      headsBehindSince = undefined;
      return;
    }
    headsBehindSince ??= Date.now();
    if (Date.now() - headsBehindSince >= headsStallMs) resubscribe();
  };

  const schedule = () => {
    if (timer !== undefined || closed || waiters.size === 0) return;
    const handle = setTimeout(() => {
      void pollOnce().finally(() => {
        // Only this loop's own handle: the last wait may have left (clearing it) and a new one started another.
        if (timer !== handle) return;
        timer = undefined;
        schedule();
      });
    }, pollIntervalMs);
    timer = handle;
  };

  const add = (waiter: Waiter) => {
    waiters.add(waiter);
    watchHeads();
    for (const key of waiter.keys) {
      const set = byKey.get(key) ?? new Set<Waiter>();
      byKey.set(key, set);
      set.add(waiter);
    }
    schedule();
  };
  const remove = (waiter: Waiter) => {
    waiters.delete(waiter);
    for (const key of waiter.keys) {
      const set = byKey.get(key);
      set?.delete(waiter);
      if (set?.size === 0) byKey.delete(key);
    }
    if (waiters.size === 0 && timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (waiters.size === 0 && headReadTimer !== undefined) {
      clearTimeout(headReadTimer);
      headReadTimer = undefined;
    }
  };

  return {
    head: () => (live ? head : undefined),
    readFloor: () => {
      if (!live || head === undefined) return undefined;
      return receivedHead > head ? receivedHead : head;
    },
    isChainBusy: () => writes > 0 || Date.now() - foreignAt <= busyWindowMs,
    writing() {
      writes++;
      let ended = false;
      return (blockNumber) => {
        if (ended) return;
        ended = true;
        writes--;
        if (blockNumber !== undefined && blockNumber > receivedHead) receivedHead = blockNumber;
        if (blockNumber !== undefined && (head === undefined || blockNumber > head))
          ownBlocks.add(blockNumber);
      };
    },
    pollOnce,
    watch(taskKeys): TaskEventWatch {
      let woken = false;
      // The latest block whose log or head woke the watch since its last sleep ('any': a wake without a block).
      let wokenAt: bigint | 'any' = -1n;
      // The head up to which the caller's reads cover its tasks (seen).
      let floor = -1n;
      let wake: (() => void) | undefined;
      let stopped = false;
      const waiter: Waiter = {
        keys: taskKeys.map((key) => key.toLowerCase()),
        heads: false,
        wake: (block) => {
          // A block the caller's last read covered: nothing new for it (its state was read after the block).
          if (block !== undefined && block <= floor) return;
          wokenAt = block === undefined || wokenAt === 'any' ? 'any' : wokenAt > block ? wokenAt : block;
          woken = true;
          wake?.();
        },
      };
      add(waiter);
      return {
        get live() {
          return live && !stopped && !closed;
        },
        seen(block) {
          if (block > floor) floor = block;
          if (woken && wokenAt !== 'any' && wokenAt <= floor) {
            woken = false;
            wokenAt = -1n;
          }
        },
        sleep: (ms, signal, id = '', options = {}) =>
          new Promise<void>((resolve, reject) => {
            if (signal?.aborted) return reject(new TaskCancelledError(id));
            waiter.heads = options.heads === true;
            if (woken) {
              woken = false;
              wokenAt = -1n;
              return resolve();
            }
            const finish = () => {
              clearTimeout(sleepTimer);
              signal?.removeEventListener('abort', onAbort);
              wake = undefined;
              woken = false;
              wokenAt = -1n;
              waiter.heads = false;
            };
            const done = () => {
              finish();
              resolve();
            };
            const onAbort = () => {
              finish();
              reject(new TaskCancelledError(id));
            };
            const sleepTimer = setTimeout(done, ms);
            wake = done;
            signal?.addEventListener('abort', onAbort, { once: true });
          }),
        stop() {
          if (stopped) return;
          stopped = true;
          wake = undefined;
          remove(waiter);
        },
      };
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (resubscribeTimer !== undefined) clearTimeout(resubscribeTimer);
      resubscribeTimer = undefined;
      if (headReadTimer !== undefined) clearTimeout(headReadTimer);
      headReadTimer = undefined;
      // An open socket keeps the process alive: closed with the feed, at once (an opening is aborted, not awaited).
      endHeads();
      await polling;
    },
  };
}

/** Feeds shared by the clients of one process, by RPC URL and TaskManager (and poll interval). */
const shared = new Map<string, { feed: TaskLogFeed; users: number }>();

/**
 * The process's feed for this chain (created at first use); `release` when the client closes (the last one closes
 * it). A client with its own transport gets its own feed (its reads go where its transport sends them).
 */
export function joinTaskLogFeed(parameters: CreateTaskLogFeedParameters & { rpcUrl: string | undefined }): {
  feed: TaskLogFeed;
  release: () => Promise<void>;
} {
  const key =
    parameters.rpcUrl &&
    `${parameters.rpcUrl}|${parameters.taskManager}|${parameters.pollIntervalMs}|${parameters.wsUrl ?? ''}`;
  let entry = key ? shared.get(key) : undefined;
  if (!entry) {
    entry = { feed: createTaskLogFeed(parameters), users: 0 };
    if (key) shared.set(key, entry);
  }
  entry.users++;
  const joined = entry;
  let released = false;
  return {
    feed: joined.feed,
    async release() {
      if (released) return;
      released = true;
      joined.users--;
      if (joined.users > 0) return;
      if (key && shared.get(key) === joined) shared.delete(key);
      await joined.feed.close();
    },
  };
}
