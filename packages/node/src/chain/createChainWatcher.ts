import type { Address, Hex, Log, PublicClient } from 'viem';
import { crashPoint } from '../daemon/crashPoint.js';
import {
  advanceCursor,
  type ChainCursor,
  getCursor,
  getProcessedBlocks,
  type NodeStore,
  rewindCursor,
} from '../store/index.js';
import type { ChainSource } from './createChainFeed.js';
import { describeRpcError } from './describeRpcError.js';

export type ChainWatcherParameters = {
  client: PublicClient;
  /**
   * Where heads, headers and logs are read (default: `client`). A shared feed (createChainFeed) answers many
   * watchers from one read and wakes them when a block arrives.
   */
  source?: ChainSource | undefined;
  store: NodeStore;
  /** Contracts whose logs are read. */
  addresses: Address[];
  /** First block to scan on a fresh store (the deployment's startBlock). */
  startBlock: number;
  /** Blocks below the head a block must be before its events are processed. 0 on instant-mining devnets. */
  confirmations: number;
  /** How many processed block hashes are kept and re-checked for reorgs. */
  reorgDepth?: number | undefined;
  /** Most blocks per getLogs call. */
  batchSize?: number | undefined;
  pollIntervalMs?: number | undefined;
  /** Backoff bounds while the RPC fails. */
  minBackoffMs?: number | undefined;
  maxBackoffMs?: number | undefined;
  /**
   * Applies the logs of a block range. Runs inside the SQLite transaction that moves the cursor, so it must
   * only write to the store (synchronously): either both land or neither does.
   */
  onLogs: (logs: Log[], range: { fromBlock: number; toBlock: number }) => void;
  /** Blocks above `blockNumber` were replaced; runs in the transaction that rewinds the cursor. */
  onReorg?: ((blockNumber: number, depth: number) => void) | undefined;
  /** Plain-language status changes (RPC down / back). */
  onNotice?: ((level: 'info' | 'warn', message: string) => void) | undefined;
};

export type ChainWatcherStatus = {
  /** Latest head seen. */
  head: number | null;
  cursor: ChainCursor | null;
  rpcOk: boolean;
  /** Unix ms of the first failure of the current outage. */
  unreachableSince: number | null;
  lastError: string | null;
  reorgs: number;
  /** Plain words for the operator. */
  summary: string;
};

export type ChainWatcher = {
  /** One poll: reorg check, then at most one batch of logs. Returns whether it reached the safe head. */
  pollOnce: () => Promise<boolean>;
  start: () => void;
  stop: () => Promise<void>;
  status: () => ChainWatcherStatus;
  /** Resolves once the cursor has reached `blockNumber` (used by tests and the CLI). */
  waitForBlock: (blockNumber: number, timeoutMs?: number) => Promise<void>;
};

/**
 * Reads the contracts' events from a persisted cursor, `confirmations` blocks behind the head, and re-checks
 * the hashes of the last `reorgDepth` processed blocks before each poll: when one changed, the cursor goes
 * back to the newest block that is still on the chain and the events above it are read again (handlers are
 * idempotent). A restart resumes from the cursor, so nothing is missed. RPC failures are retried with
 * exponential backoff and reported as "chain RPC unreachable since …".
 *
 * @example
 * const watcher = createChainWatcher({ client, store, addresses, startBlock, confirmations: 2, onLogs });
 * watcher.start();
 */
export function createChainWatcher(parameters: ChainWatcherParameters): ChainWatcher {
  const { store, addresses, confirmations } = parameters;
  const client: ChainSource = parameters.source ?? parameters.client;
  const reorgDepth = parameters.reorgDepth ?? 64;
  const batchSize = parameters.batchSize ?? 2_000;
  const pollIntervalMs = parameters.pollIntervalMs ?? 1_000;
  const minBackoffMs = parameters.minBackoffMs ?? 500;
  const maxBackoffMs = parameters.maxBackoffMs ?? 30_000;
  const notice = parameters.onNotice ?? (() => {});

  let head: number | null = null;
  let unreachableSince: number | null = null;
  let lastError: string | null = null;
  let reorgs = 0;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  // A new head announced by the source while a poll ran: poll again at once instead of sleeping.
  let woken = false;

  /**
   * The cursor as this watcher last committed it by advancing (then also the newest processed block), kept in memory:
   * 20 devnet daemons read both from SQLite at every block otherwise. Unknown (read from the store) at start and
   * after a rewind.
   */
  let advanced: ChainCursor | undefined;

  const checkReorg = async (): Promise<void> => {
    // The newest processed block still on the chain vouches for every older one: read the rest only when not.
    const newest = advanced ?? getProcessedBlocks(store, 1)[0];
    if (!newest) return;
    const head = await client
      .getBlock({ blockNumber: BigInt(newest.blockNumber) })
      .catch((error: unknown) => {
        if (/not found|could not be found/i.test(describeRpcError(error))) return null;
        throw error;
      });
    if (head && head.hash.toLowerCase() === newest.blockHash.toLowerCase()) return;
    const processed = getProcessedBlocks(store, reorgDepth);
    let keep: ChainCursor | undefined;
    let replaced = 0;
    for (const block of processed) {
      const onChain = await client
        .getBlock({ blockNumber: BigInt(block.blockNumber) })
        .catch((error: unknown) => {
          // A block above the new head does not exist any more: that is a reorg, not an RPC failure.
          if (/not found|could not be found/i.test(describeRpcError(error))) return null;
          throw error;
        });
      if (onChain && onChain.hash.toLowerCase() === block.blockHash.toLowerCase()) {
        keep = block;
        break;
      }
      replaced++;
    }
    if (replaced === 0) return;
    let to = keep;
    if (!to) {
      // Deeper than we remember: go back below the oldest remembered block and read everything again.
      const oldest = processed.at(-1)!.blockNumber - 1;
      const block = await client.getBlock({ blockNumber: BigInt(Math.max(oldest, 0)) });
      to = { blockNumber: Number(block.number), blockHash: block.hash };
    }
    const target = to;
    advanced = undefined;
    store.db.transaction(() => {
      rewindCursor(store, target);
      parameters.onReorg?.(target.blockNumber, replaced);
    })();
    reorgs++;
    notice(
      'warn',
      `Chain reorganization: ${replaced} block(s) above ${target.blockNumber} were replaced; reading their events again.`,
    );
  };

  const pollOnce = async (): Promise<boolean> => {
    // The head and the reorg check are independent reads: in parallel, one round trip's time.
    const [headNumber] = await Promise.all([client.getBlockNumber(), checkReorg()]);
    head = Number(headNumber);
    const safe = head - confirmations;
    const cursor = advanced ?? getCursor(store);
    const fromBlock = cursor ? cursor.blockNumber + 1 : parameters.startBlock;
    if (fromBlock > safe) return true;
    const toBlock = Math.min(safe, fromBlock + batchSize - 1);
    // Hashes of the tail of the range, for the next polls' reorg checks, read alongside the logs.
    const tailFrom = Math.max(fromBlock, toBlock - reorgDepth + 1);
    const [logs, ...blocks] = await Promise.all([
      client.getLogs({
        address: addresses,
        fromBlock: BigInt(fromBlock),
        toBlock: BigInt(toBlock),
      }),
      ...Array.from({ length: toBlock - tailFrom + 1 }, (_, i) =>
        client.getBlock({ blockNumber: BigInt(tailFrom + i) }),
      ),
    ]);
    const tail: ChainCursor[] = [];
    let parentHash: Hex | undefined;
    for (let n = tailFrom; n <= toBlock; n++) {
      const block = blocks[n - tailFrom] as { hash: Hex; parentHash: Hex };
      if (parentHash && block.parentHash.toLowerCase() !== parentHash.toLowerCase()) return false; // reorg mid-scan
      if (n === fromBlock && cursor && block.parentHash.toLowerCase() !== cursor.blockHash.toLowerCase())
        return false;
      parentHash = block.hash;
      tail.push({ blockNumber: n, blockHash: block.hash });
    }
    const tailHashes = new Map(tail.map((b) => [b.blockNumber, b.blockHash.toLowerCase()]));
    for (const log of logs) {
      const expected = tailHashes.get(Number(log.blockNumber));
      if (expected && log.blockHash?.toLowerCase() !== expected) return false; // logs from a replaced block
    }
    store.db.transaction(() => {
      parameters.onLogs(logs, { fromBlock, toBlock });
      advanceCursor(store, tail, reorgDepth);
    })();
    advanced = tail.at(-1);
    if (logs.length > 0)
      crashPoint(
        'events_committed',
        logs.map((log) => log.topics[1]),
      );
    return toBlock >= safe;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async () => {
    let backoff = minBackoffMs;
    const unsubscribe = parameters.source?.subscribe?.(() => {
      woken = true;
      wake?.();
    });
    while (running) {
      try {
        woken = false;
        const caughtUp = await pollOnce();
        if (unreachableSince !== null) {
          notice(
            'info',
            `Chain RPC reachable again (unreachable since ${new Date(unreachableSince).toISOString()}).`,
          );
        }
        unreachableSince = null;
        lastError = null;
        backoff = minBackoffMs;
        if (caughtUp && !woken) await sleep(pollIntervalMs);
      } catch (error) {
        lastError = describeRpcError(error);
        if (unreachableSince === null) {
          unreachableSince = Date.now();
          notice('warn', `Chain RPC unreachable: ${lastError}. Retrying with backoff.`);
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoffMs);
      }
    }
    unsubscribe?.();
  };

  const status = (): ChainWatcherStatus => {
    const cursor = getCursor(store) ?? null;
    let summary: string;
    if (unreachableSince !== null) {
      summary = `chain RPC unreachable since ${new Date(unreachableSince).toISOString()} (${lastError}); retrying`;
    } else if (head === null) {
      summary = 'connecting to the chain RPC';
    } else {
      const behind = Math.max(0, head - (cursor?.blockNumber ?? parameters.startBlock - 1));
      summary = `chain OK at block ${head}; events processed up to block ${cursor?.blockNumber ?? 'none'} (${behind} behind, ${confirmations} confirmations)`;
    }
    return {
      head,
      cursor,
      rpcOk: unreachableSince === null && head !== null,
      unreachableSince,
      lastError,
      reorgs,
      summary,
    };
  };

  return {
    pollOnce,
    status,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
    async waitForBlock(blockNumber, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while ((getCursor(store)?.blockNumber ?? -1) < blockNumber) {
        if (Date.now() > deadline)
          throw new Error(`chain watcher did not reach block ${blockNumber}: ${status().summary}`);
        wake?.();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
