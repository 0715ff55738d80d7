import type { Hex } from 'viem';
import { type NodeStore, prepareCached } from './openStore.js';

export type ChainCursor = { blockNumber: number; blockHash: Hex };

/** The last block whose events were fully processed, or undefined on a fresh store. */
export function getCursor(store: NodeStore): ChainCursor | undefined {
  const row = prepareCached(store, 'SELECT block_number, block_hash FROM chain_cursor WHERE id = 1').get() as
    | { block_number: number; block_hash: string }
    | undefined;
  return row ? { blockNumber: row.block_number, blockHash: row.block_hash as Hex } : undefined;
}

/** Hashes of recently processed blocks, newest first (for reorg checks). */
export function getProcessedBlocks(store: NodeStore, limit: number): ChainCursor[] {
  const rows = prepareCached(
    store,
    'SELECT block_number, block_hash FROM processed_blocks ORDER BY block_number DESC LIMIT ?',
  ).all(limit) as { block_number: number; block_hash: string }[];
  return rows.map((r) => ({ blockNumber: r.block_number, blockHash: r.block_hash as Hex }));
}

/**
 * Moves the cursor forward over `blocks` (ascending) and keeps the newest `keep` block hashes. Called in
 * the same SQLite transaction as the effects of those blocks' events, so the cursor never runs ahead of them.
 */
export function advanceCursor(store: NodeStore, blocks: ChainCursor[], keep: number): void {
  const last = blocks.at(-1);
  if (!last) return;
  const insert = prepareCached(
    store,
    'INSERT OR REPLACE INTO processed_blocks (block_number, block_hash) VALUES (?, ?)',
  );
  for (const block of blocks) insert.run(block.blockNumber, block.blockHash.toLowerCase());
  prepareCached(
    store,
    `INSERT INTO chain_cursor (id, block_number, block_hash) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET block_number = excluded.block_number, block_hash = excluded.block_hash`,
  ).run(last.blockNumber, last.blockHash.toLowerCase());
  prepareCached(store, 'DELETE FROM processed_blocks WHERE block_number <= ?').run(last.blockNumber - keep);
}

/** Forgets processed blocks above `blockNumber` and sets the cursor back to it (a reorg replaced them). */
export function rewindCursor(store: NodeStore, to: ChainCursor): void {
  prepareCached(store, 'DELETE FROM processed_blocks WHERE block_number > ?').run(to.blockNumber);
  prepareCached(
    store,
    `INSERT INTO chain_cursor (id, block_number, block_hash) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET block_number = excluded.block_number, block_hash = excluded.block_hash`,
  ).run(to.blockNumber, to.blockHash.toLowerCase());
}
