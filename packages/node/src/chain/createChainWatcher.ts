import type { Address, Hex, Log, PublicClient } from 'viem';
import { crashPoint } from '../daemon/crashPoint.js';
import {
  advanceCursor,
  type ChainCursor,
  countChanges,
  getCursor,
  getProcessedBlocks,
  type NodeStore,
  rewindCursor,
  runInTransaction,
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
  /**
   * The cursor is committed with the effects of the logs that changed the store, and otherwise only once it is
   * this many blocks (default 32) or `cursorCommitMs` (default 5 s) ahead of the committed one, and at `stop()`.
   * Most blocks hold nothing for this node (on a busy network, nearly every block has TaskManager logs, most of
   * them about other nodes' tasks): a commit per block was 20 commits per block in the devnet's process. A killed
   * process re-reads the blocks after the committed cursor; their handlers wrote nothing the first time, so
   * they are applied again (idempotently) and nothing is lost or done twice.
   */
  cursorCommitBlocks?: number | undefined;
  cursorCommitMs?: number | undefined;
  /** Backoff bounds while the RPC fails. */
  minBackoffMs?: number | undefined;
  maxBackoffMs?: number | undefined;
  /**
   * Applies the logs of a block range. Runs inside a SQLite transaction (unless `mayWrite` says it writes nothing),
   * so it must only write to the store (synchronously). When it writes anything, the cursor moves in the same transaction: either both land or
   * neither does. When it writes nothing, the cursor may stay behind (see `cursorCommitBlocks`), so the range
   * may be applied again after a restart: it must be idempotent, and whatever it does outside the store
   * (hints, caches) must bear a repetition.
   */
  onLogs: (logs: Log[], range: { fromBlock: number; toBlock: number }) => void;
  /**
   * Whether `onLogs` may write to the store for these logs (default: it may). When not, and the cursor's commit is
   * not due, `onLogs` runs outside a transaction: no BEGIN, `total_changes()` reads and COMMIT for a block that
   * changes nothing here (on a busy network, most blocks for most of a devnet's 20 daemons). The cursor then stays
   * behind as for any range that wrote nothing. Were `onLogs` to write anyway, its writes would land without the
   * cursor, and a restart would apply the range again: idempotent handlers (above) change nothing the second time.
   */
  mayWrite?: ((logs: Log[]) => boolean) | undefined;
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
 * idempotent). Only a block with another hash proves a reorg: processed blocks the RPC merely does not have (a
 * load-balanced RPC's replica behind) are waited for, not rewound. A restart resumes from the cursor, so nothing
 * is missed. RPC failures are retried with exponential backoff and reported as "chain RPC unreachable since …".
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
  const cursorCommitBlocks = parameters.cursorCommitBlocks ?? 32;
  const cursorCommitMs = parameters.cursorCommitMs ?? 5_000;
  const notice = parameters.onNotice ?? (() => {});

  let head: number | null = null;
  let unreachableSince: number | null = null;
  let lastError: string | null = null;
  let reorgs = 0;
  /** Unix ms since the RPC answered "not found" for a processed block with no hash changed (null: not behind). */
  let behindSince: number | null = null;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  // A new head announced by the source while a poll ran: poll again at once instead of sleeping.
  let woken = false;

  /**
   * The newest processed block (the cursor as far as this process goes), kept in memory: 20 devnet daemons read
   * it from SQLite at every block otherwise. Unknown (read from the store) at start and after a rewind.
   */
  let advanced: ChainCursor | undefined;
  /** Processed blocks (the tail of each range, ascending, at most `reorgDepth`) not committed to the store yet. */
  let unsaved: ChainCursor[] = [];
  /** The committed cursor's block number, and when it was committed (or this watcher created). */
  let savedBlock = -1;
  let savedAt = Date.now();

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
    if (head && head.hash.toLowerCase() === newest.blockHash.toLowerCase()) {
      behindSince = null;
      return;
    }
    // Newest first: those not committed yet, then the store's.
    const processed = [...unsaved]
      .reverse()
      .concat(getProcessedBlocks(store, reorgDepth))
      .slice(0, reorgDepth);
    let keep: ChainCursor | undefined;
    let replaced = 0;
    /** A block the RPC has at that height with another hash: the only proof of a reorganization. */
    let differs = false;
    for (const block of processed) {
      const onChain = await client
        .getBlock({ blockNumber: BigInt(block.blockNumber) })
        .catch((error: unknown) => {
          // Above the RPC's head: a chain gone shorter, or (as often) a load-balanced RPC's replica behind.
          if (/not found|could not be found/i.test(describeRpcError(error))) return null;
          throw error;
        });
      if (onChain && onChain.hash.toLowerCase() === block.blockHash.toLowerCase()) {
        keep = block;
        break;
      }
      if (onChain) differs = true;
      replaced++;
    }
    if (replaced === 0) return;
    if (!differs) {
      // Only missing blocks, none replaced: the RPC is behind (a replica that lags answers exactly so). No rewind:
      // the hashes are compared again once it has those heights; a chain that really went shorter shows another
      // hash there when it grows back, and is rewound then.
      if (behindSince === null) {
        behindSince = Date.now();
        notice(
          'info',
          `Chain RPC behind: block ${processed[0]!.blockNumber} (already processed) not found; waiting for it.`,
        );
      }
      return;
    }
    let to = keep;
    if (!to) {
      // Deeper than we remember: go back below the oldest remembered block and read everything again.
      const oldest = processed.at(-1)!.blockNumber - 1;
      const block = await client.getBlock({ blockNumber: BigInt(Math.max(oldest, 0)) });
      to = { blockNumber: Number(block.number), blockHash: block.hash };
    }
    const target = to;
    runInTransaction(store, () => {
      // The kept blocks not committed yet had nothing to write: the cursor may go to the newest kept one.
      const kept = unsaved.filter((block) => block.blockNumber <= target.blockNumber);
      if (kept.length > 0) advanceCursor(store, kept, reorgDepth);
      rewindCursor(store, target);
      parameters.onReorg?.(target.blockNumber, replaced);
    });
    advanced = undefined;
    unsaved = [];
    behindSince = null;
    savedBlock = target.blockNumber;
    savedAt = Date.now();
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
    let cursor = advanced;
    if (!cursor) {
      cursor = getCursor(store);
      savedBlock = cursor?.blockNumber ?? parameters.startBlock - 1;
    }
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
    const pending = [...unsaved, ...tail].slice(-reorgDepth);
    const due = toBlock - savedBlock >= cursorCommitBlocks || Date.now() - savedAt >= cursorCommitMs;
    let saved = false;
    if (!due && parameters.mayWrite?.(logs) === false) {
      parameters.onLogs(logs, { fromBlock, toBlock });
    } else {
      saved = runInTransaction(store, () => {
        const before = countChanges(store);
        parameters.onLogs(logs, { fromBlock, toBlock });
        // The logs changed the store: the cursor moves with their effects, so they are never applied twice.
        if (!due && countChanges(store) === before) return false;
        advanceCursor(store, pending, reorgDepth);
        return true;
      });
    }
    advanced = tail.at(-1);
    if (saved) {
      unsaved = [];
      savedBlock = toBlock;
      savedAt = Date.now();
    } else {
      unsaved = pending;
    }
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

  /** Commits the cursor at the newest processed block, if it is ahead of the committed one. */
  const flush = () => {
    if (unsaved.length === 0 || !store.db.open) return;
    const pending = unsaved;
    runInTransaction(store, () => advanceCursor(store, pending, reorgDepth));
    unsaved = [];
    savedBlock = pending.at(-1)!.blockNumber;
    savedAt = Date.now();
  };

  const status = (): ChainWatcherStatus => {
    const cursor = advanced ?? getCursor(store) ?? null;
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
      flush();
    },
    async waitForBlock(blockNumber, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (((advanced ?? getCursor(store))?.blockNumber ?? -1) < blockNumber) {
        if (Date.now() > deadline)
          throw new Error(`chain watcher did not reach block ${blockNumber}: ${status().summary}`);
        wake?.();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
