import type { Address, Hex, PublicClient } from 'viem';
import { TaskCancelledError } from '../errors/index.js';
import type { TaskEventWaker, TaskEventWatch } from './createTaskEventWaker.js';

/** A wait the feed wakes: by one of its tasks' logs, or (while it asks) by any new head. */
type Waiter = { keys: string[]; heads: boolean; wake: () => void };

export type TaskLogFeed = TaskEventWaker & {
  /** The latest head the feed read (undefined before its first read or while its reads fail). */
  head: () => bigint | undefined;
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

  const wakeAll = () => {
    for (const waiter of waiters) waiter.wake();
  };

  const poll = async () => {
    try {
      const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
      if (head === undefined || latest < head || latest - head > maxRange) {
        // First read, a shorter chain or a long gap: every wait reads once.
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
      const woken = new Set<Waiter>();
      for (const log of logs) {
        const key = (log.topics[1] as Hex | undefined)?.toLowerCase();
        for (const waiter of (key && byKey.get(key)) || []) woken.add(waiter);
      }
      for (const waiter of waiters) if (waiter.heads) woken.add(waiter);
      for (const waiter of woken) waiter.wake();
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
  };

  return {
    head: () => (live ? head : undefined),
    isChainBusy: () => writes > 0 || Date.now() - foreignAt <= busyWindowMs,
    writing() {
      writes++;
      let ended = false;
      return (blockNumber) => {
        if (ended) return;
        ended = true;
        writes--;
        if (blockNumber !== undefined && (head === undefined || blockNumber > head))
          ownBlocks.add(blockNumber);
      };
    },
    pollOnce,
    watch(taskKeys): TaskEventWatch {
      let woken = false;
      let wake: (() => void) | undefined;
      let stopped = false;
      const waiter: Waiter = {
        keys: taskKeys.map((key) => key.toLowerCase()),
        heads: false,
        wake: () => {
          woken = true;
          wake?.();
        },
      };
      add(waiter);
      return {
        get live() {
          return live && !stopped && !closed;
        },
        sleep: (ms, signal, id = '', options = {}) =>
          new Promise<void>((resolve, reject) => {
            if (signal?.aborted) return reject(new TaskCancelledError(id));
            waiter.heads = options.heads === true;
            if (woken) {
              woken = false;
              return resolve();
            }
            const finish = () => {
              clearTimeout(sleepTimer);
              signal?.removeEventListener('abort', onAbort);
              wake = undefined;
              woken = false;
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
    parameters.rpcUrl && `${parameters.rpcUrl}|${parameters.taskManager}|${parameters.pollIntervalMs}`;
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
