import type { Hex } from 'viem';
import { type NodeStore, prepareCached, runInTransaction } from './openStore.js';

export type LogEntry = { id: number; time: number; level: string; message: string; taskKey: Hex | null };

/**
 * Appends a plain-language line for the dashboard and keeps the newest `keep` lines: the insert and the trim in
 * one commit (two autocommits were two WAL writes per line, from every step's notice).
 */
export function appendLog(
  store: NodeStore,
  entry: { level: 'info' | 'warn' | 'error'; message: string; taskKey?: Hex | null | undefined },
  keep = 1000,
): void {
  if (store.db.inTransaction) {
    writeLog(store, entry, keep);
    return;
  }
  runInTransaction(store, () => writeLog(store, entry, keep));
}

function writeLog(
  store: NodeStore,
  entry: { level: 'info' | 'warn' | 'error'; message: string; taskKey?: Hex | null | undefined },
  keep: number,
): void {
  const result = prepareCached(
    store,
    'INSERT INTO node_log (time, level, message, task_key) VALUES (?, ?, ?, ?)',
  ).run(Date.now(), entry.level, entry.message, entry.taskKey?.toLowerCase() ?? null);
  prepareCached(store, 'DELETE FROM node_log WHERE id <= ?').run(Number(result.lastInsertRowid) - keep);
}

export function listLog(store: NodeStore, limit: number): LogEntry[] {
  const rows = prepareCached(
    store,
    'SELECT id, time, level, message, task_key FROM node_log ORDER BY id DESC LIMIT ?',
  ).all(limit) as { id: number; time: number; level: string; message: string; task_key: string | null }[];
  return rows.map((r) => ({ ...r, taskKey: r.task_key as Hex | null }));
}
