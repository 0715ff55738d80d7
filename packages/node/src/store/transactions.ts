import type { Address, Hex } from 'viem';
import { commitDurably, type NodeStore, prepareCached } from './openStore.js';

/**
 * `signed`: persisted, maybe not broadcast yet; `sent`: the RPC accepted it; `mined` / `reverted`: in a
 * confirmed block; `dropped`: provably gone (its nonce was used by another transaction), so it may be re-signed.
 */
export type TxStatus = 'signed' | 'sent' | 'mined' | 'reverted' | 'dropped';

export type TxRecord = {
  id: number;
  /** What the transaction does, e.g. `submitScore`, `join`. */
  purpose: string;
  taskKey: Hex | null;
  sender: Address;
  nonce: number;
  hash: Hex;
  /** The signed raw transaction: rebroadcast as is, never re-signed, while it may still land. */
  raw: Hex;
  status: TxStatus;
  blockNumber: number | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
};

type TxRow = {
  id: number;
  purpose: string;
  task_key: string | null;
  sender: string;
  nonce: number;
  hash: string;
  raw: string;
  status: string;
  block_number: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
};

const fromRow = (row: TxRow): TxRecord => ({
  id: row.id,
  purpose: row.purpose,
  taskKey: row.task_key as Hex | null,
  sender: row.sender as Address,
  nonce: row.nonce,
  hash: row.hash as Hex,
  raw: row.raw as Hex,
  status: row.status as TxStatus,
  blockNumber: row.block_number,
  error: row.error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export type InsertTxParameters = Omit<
  TxRecord,
  'id' | 'status' | 'blockNumber' | 'error' | 'createdAt' | 'updatedAt'
>;

/**
 * Persists a signed transaction before it is broadcast, durably (it must survive even a power cut): broadcast it
 * only once the promise resolves.
 */
export async function insertTx(
  store: NodeStore,
  tx: InsertTxParameters,
  now = Date.now(),
): Promise<TxRecord> {
  const result = await commitDurably(
    store,
    () =>
      prepareCached(
        store,
        `INSERT INTO transactions (purpose, task_key, sender, nonce, hash, raw, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'signed', ?, ?)`,
      ).run(
        tx.purpose,
        tx.taskKey?.toLowerCase() ?? null,
        tx.sender.toLowerCase(),
        tx.nonce,
        tx.hash.toLowerCase(),
        tx.raw,
        now,
        now,
      ),
    // Not durable: the caller does not broadcast it, and no later send may find it as signed and broadcast it.
    (inserted) =>
      prepareCached(store, 'DELETE FROM transactions WHERE id = ?').run(Number(inserted.lastInsertRowid)),
  );
  return getTxById(store, Number(result.lastInsertRowid))!;
}

export function getTxById(store: NodeStore, id: number): TxRecord | undefined {
  const row = prepareCached(store, 'SELECT * FROM transactions WHERE id = ?').get(id) as TxRow | undefined;
  return row ? fromRow(row) : undefined;
}

/** The latest transaction for a purpose (and task), whatever its status. */
export function getLatestTx(store: NodeStore, purpose: string, taskKey: Hex | null): TxRecord | undefined {
  const row = prepareCached(
    store,
    'SELECT * FROM transactions WHERE purpose = ? AND task_key IS ? ORDER BY id DESC LIMIT 1',
  ).get(purpose, taskKey?.toLowerCase() ?? null) as TxRow | undefined;
  return row ? fromRow(row) : undefined;
}

/** Transactions that may still land: signed or sent. */
export function listPendingTxs(store: NodeStore, sender: Address): TxRecord[] {
  const rows = prepareCached(
    store,
    "SELECT * FROM transactions WHERE sender = ? AND status IN ('signed', 'sent') ORDER BY nonce, id",
  ).all(sender.toLowerCase()) as TxRow[];
  return rows.map(fromRow);
}

/**
 * The oldest transaction for `purpose` that may still land (signed or sent), or undefined: what a periodic sender
 * (draw settler, queue dispatcher) checks at every tick, several times a second per daemon, before sending anew.
 */
export function findLiveTx(store: NodeStore, sender: Address, purpose: string): TxRecord | undefined {
  const row = prepareCached(
    store,
    "SELECT * FROM transactions WHERE sender = ? AND purpose = ? AND status IN ('signed', 'sent') ORDER BY nonce, id LIMIT 1",
  ).get(sender.toLowerCase(), purpose) as TxRow | undefined;
  return row ? fromRow(row) : undefined;
}

/** Every variant of a transaction that may still land: the same sender and nonce, signed or sent. */
export function listLiveVariants(store: NodeStore, sender: Address, nonce: number): TxRecord[] {
  const rows = prepareCached(
    store,
    "SELECT * FROM transactions WHERE sender = ? AND nonce = ? AND status IN ('signed', 'sent') ORDER BY id",
  ).all(sender.toLowerCase(), nonce) as TxRow[];
  return rows.map(fromRow);
}

/**
 * The transactions of `sender` this store saw land (mined or reverted) with a nonce of at least `fromNonce`, by
 * nonce: after the chain was rewound below them (a devnet's anvil reloaded from an older save, a deep reorg) they
 * are gone from it, and the next nonce would leave a gap no transaction ever fills.
 */
export function listLandedFromNonce(store: NodeStore, sender: Address, fromNonce: number): TxRecord[] {
  const rows = prepareCached(
    store,
    "SELECT * FROM transactions WHERE sender = ? AND nonce >= ? AND status IN ('mined', 'reverted') ORDER BY nonce, id",
  ).all(sender.toLowerCase(), fromNonce) as TxRow[];
  return rows.map(fromRow);
}

/** Highest nonce this store ever signed for `sender`, or -1. */
export function getHighestNonce(store: NodeStore, sender: Address): number {
  const row = prepareCached(
    store,
    "SELECT MAX(nonce) AS n FROM transactions WHERE sender = ? AND status != 'dropped'",
  ).get(sender.toLowerCase()) as { n: number | null };
  return row.n ?? -1;
}

export function updateTxStatus(
  store: NodeStore,
  id: number,
  status: TxStatus,
  extra: { blockNumber?: number | null; error?: string | null } = {},
  now = Date.now(),
): void {
  prepareCached(
    store,
    'UPDATE transactions SET status = ?, block_number = COALESCE(?, block_number), error = COALESCE(?, error), updated_at = ? WHERE id = ?',
  ).run(status, extra.blockNumber ?? null, extra.error ?? null, now, id);
}

export function listRecentTxs(store: NodeStore, limit: number): TxRecord[] {
  const rows = prepareCached(store, 'SELECT * FROM transactions ORDER BY id DESC LIMIT ?').all(
    limit,
  ) as TxRow[];
  return rows.map(fromRow);
}
