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
 * Writes the chain's head to `file` every `intervalMs` while it moves (temp file + rename: never torn; no fsync:
 * the record survives a killed process, and after a power cut a stale one only understates a rewind). Its only
 * reader is the next start, which says how far the chain went back when the saved chain is older than this.
 *
 * @example
 * const record = recordChainHead({ getBlockNumber: () => client.getBlockNumber(), file: 'chain-head.json' });
 * // … on stop:
 * await record.stop();
 */
export function recordChainHead(parameters: {
  getBlockNumber: () => Promise<bigint>;
  file: string;
  intervalMs?: number | undefined;
}): { stop: () => Promise<void> } {
  const intervalMs = parameters.intervalMs ?? 2_000;
  let written = -1;
  let pending: Promise<void> = Promise.resolve();
  const tick = () => {
    pending = parameters.getBlockNumber().then(
      (head) => {
        const block = Number(head);
        if (block === written) return;
        const temp = `${parameters.file}.tmp`;
        try {
          writeFileSync(temp, JSON.stringify({ block, at: Date.now() } satisfies ChainHeadRecord));
          renameSync(temp, parameters.file);
          written = block;
        } catch {
          // A full or read-only disk is the chain saver's to report; this record is only a hint.
        }
      },
      // A chain that does not answer now is reported elsewhere; the record keeps its last value.
      () => {},
    );
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await pending;
      tick();
      await pending;
    },
  };
}
