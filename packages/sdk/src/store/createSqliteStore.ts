import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors/index.js';
import type { TaskRecord } from '../types.js';
import type { TaskStore } from './types.js';

export type CreateSqliteStoreParameters = {
  /** File of the database (created with its folder), or ':memory:'. */
  path: string;
};

/**
 * A store in one SQLite file (better-sqlite3, WAL, synchronous=FULL): a record is on disk when `putTask`
 * resolves, so a process killed at any point resumes its tasks without paying twice. Node only.
 *
 * @example
 * const store = createSqliteStore({ path: '.verinet/app/tasks.db' });
 */
export function createSqliteStore({ path }: CreateSqliteStoreParameters): TaskStore {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    // Every write is a decision the chain may act on (a transaction about to be sent): make it durable.
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS sdk_tasks (
        id TEXT PRIMARY KEY,
        phase TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS sdk_tasks_phase ON sdk_tasks (phase, created_at);
      CREATE TABLE IF NOT EXISTS sdk_values (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  } catch (cause) {
    throw new StoreError(`Cannot open the task store ${path}.`, {
      details: ['Check the folder exists and is writable, and that no other program holds the file.'],
      cause,
    });
  }
  const put = db.prepare(
    'INSERT INTO sdk_tasks (id, phase, created_at, record) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, record = excluded.record',
  );
  const get = db.prepare('SELECT record FROM sdk_tasks WHERE id = ?');
  const all = db.prepare('SELECT record FROM sdk_tasks ORDER BY created_at, id');
  const active = db.prepare(
    "SELECT record FROM sdk_tasks WHERE phase NOT IN ('done', 'failed') ORDER BY created_at, id",
  );
  const getValue = db.prepare('SELECT value FROM sdk_values WHERE key = ?');
  const setValue = db.prepare(
    'INSERT INTO sdk_values (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const guard = <T>(what: string, run: () => T): T => {
    try {
      return run();
    } catch (cause) {
      throw new StoreError(`The task store failed to ${what}.`, { details: [`File: ${path}`], cause });
    }
  };
  return {
    async getTask(id) {
      const row = guard('read a task', () => get.get(id) as { record: string } | undefined);
      return row ? (JSON.parse(row.record) as TaskRecord) : undefined;
    },
    async putTask(record) {
      guard('save a task', () => put.run(record.id, record.phase, record.createdAt, JSON.stringify(record)));
    },
    async listTasks(filter) {
      const rows = guard('list tasks', () => (filter?.active ? active : all).all() as { record: string }[]);
      return rows.map((row) => JSON.parse(row.record) as TaskRecord);
    },
    async getValue(key) {
      return guard('read a value', () => (getValue.get(key) as { value: string } | undefined)?.value);
    },
    async setValue(key, value) {
      guard('save a value', () => setValue.run(key, value));
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
