import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/** The newest block the devnet saw its chain at, and when (ms since the epoch). */
export type ChainHeadRecord = { block: number; at: number };

/** How far a restarted chain went back: the head seen last before the stop, and the reloaded head. */
export type ChainRewind = {
  fromBlock: number;
  toBlock: number;
  seenAt: number;
  /** The head after the start mined empty blocks past `fromBlock` (so lost tasks can be told lost), if it did. */
  minedTo?: number | undefined;
};

/**
 * Empty blocks mined past the old head after a rewind: a node or `verinet task status` proves a task lost only
 * once the head is past the block that held it, and a devnet nobody uses would otherwise stay below it forever.
 */
export const rewindMineMargin = 64;

const recordSchema = z.object({ block: z.number().int().nonnegative(), at: z.number() });

/** The record left by the previous run, or undefined (none, or unreadable: it only feeds a message). */
export function readChainHeadRecord(file: string): ChainHeadRecord | undefined {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the chain reloaded at `head` lost blocks the previous run had seen (anvil stopped without a final save:
 * `kill -9`, a crash, a power cut), and how many.
 */
export function getChainRewind(previous: ChainHeadRecord | undefined, head: number): ChainRewind | undefined {
  if (!previous || previous.block <= head) return undefined;
  return { fromBlock: previous.block, toBlock: head, seenAt: previous.at };
}

/**
 * Keeps `file` at the newest head seen (temp file + rename: never torn; no fsync: the record survives a killed
 * process, and after a power cut a stale one only understates a rewind). Its only reader is the next start, which
 * says how far the chain went back when the saved chain is older than this.
 *
 * Heads come from `subscribe` (the chain feed: each head it sees) and from a read every `intervalMs` (the
 * fallback). Writes are throttled to one per `intervalMs`, with a trailing write: the last head seen lands within
 * `intervalMs` even when the chain then stops moving (trial s14: blocks of the last 2 s before a `kill -9` of anvil
 * were never recorded, and the next start told no rewind). `flush()` writes the newest head at once (anvil died).
 *
 * @example
 * const record = recordChainHead({ getBlockNumber: () => feed.getBlockNumber(), subscribe: feed.subscribe, file });
 * anvil.process.once('exit', () => record.flush());
 * // … on stop:
 * await record.stop();
 */
export function recordChainHead(parameters: {
  getBlockNumber: () => Promise<bigint>;
  /** Calls its listener at each new head (a chain feed's `subscribe`); returns the unsubscribe function. */
  subscribe?: ((listener: () => void) => () => void) | undefined;
  file: string;
  intervalMs?: number | undefined;
}): { flush: () => void; stop: () => Promise<void> } {
  const intervalMs = parameters.intervalMs ?? 2_000;
  let written = -1;
  let latest = -1;
  let writtenAt = Number.NEGATIVE_INFINITY;
  let trailing: NodeJS.Timeout | undefined;
  let stopped = false;
  const reads = new Set<Promise<void>>();
  const write = () => {
    clearTimeout(trailing);
    trailing = undefined;
    if (latest < 0 || latest === written) return;
    const temp = `${parameters.file}.tmp`;
    try {
      writeFileSync(temp, JSON.stringify({ block: latest, at: Date.now() } satisfies ChainHeadRecord));
      renameSync(temp, parameters.file);
      written = latest;
      writtenAt = Date.now();
    } catch {
      // A full or read-only disk is the chain saver's to report; this record is only a hint.
    }
  };
  const note = (block: number) => {
    // Any head that moved is recorded, also a lower one (a reorg, or the chain reverted to a snapshot).
    if (block === latest) return;
    latest = block;
    if (stopped) return;
    const wait = writtenAt + intervalMs - Date.now();
    if (wait <= 0) write();
    else if (!trailing) {
      trailing = setTimeout(write, wait);
      trailing.unref();
    }
  };
  const read = () => {
    const pending = parameters.getBlockNumber().then(
      (head) => note(Number(head)),
      // A chain that does not answer now is reported elsewhere; the record keeps its last value.
      () => {},
    );
    reads.add(pending);
    void pending.finally(() => reads.delete(pending));
  };
  read();
  const timer = setInterval(read, intervalMs);
  timer.unref();
  const unsubscribe = parameters.subscribe?.(read);
  return {
    flush: write,
    stop: async () => {
      clearInterval(timer);
      unsubscribe?.();
      await Promise.all(reads);
      read();
      await Promise.all(reads);
      stopped = true;
      write();
    },
  };
}
