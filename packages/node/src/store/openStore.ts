import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { NodeStoreError } from '../errors/index.js';
import { migrations } from './migrations.js';

export type NodeStore = {
  db: Database.Database;
  path: string;
  close: () => void;
};

export type OpenStoreParameters = {
  /** SQLite file; `:memory:` for throwaway stores. */
  path: string;
};

/**
 * Opens (creating if needed) the node's SQLite store and brings its schema up to date.
 *
 * WAL with `synchronous = NORMAL`: a commit is in the WAL file when it returns, so a daemon killed at any moment
 * (kill -9, crash, OOM) finds every committed step on restart; only a power cut or OS crash may roll back the last
 * commits, and those are re-done (each step is idempotent). The commit that matters across a power cut is the
 * signed transaction stored before its broadcast (a lost one could be signed again with another nonce):
 * `insertTx` commits it with `commitDurably`, whose fsync also makes every earlier commit durable. An fsync costs
 * 8–17 ms here: one per step per block was most of the node's overhead, and inside a commit (better-sqlite3 is
 * synchronous) it blocks the event loop, with many daemons in one process (the devnet) all of them: commitDurably
 * syncs on the thread pool instead.
 *
 * @example
 * const store = openStore({ path: '.verinet/node/node.db' });
 */
export function openStore(parameters: OpenStoreParameters): NodeStore {
  const { path } = parameters;
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (cause) {
    throw new NodeStoreError(`Cannot open the node database ${path}.`, {
      details: [
        `${(cause as Error).message}`,
        'Check the path in the config (store.path) and its permissions.',
      ],
      cause,
    });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrateStore(db, path);
  return { db, path, close: () => db.close() };
}

/**
 * Runs `write` in a transaction, then makes it durable: it, and every commit before it, survives a power cut once
 * the promise resolves. For what must never be lost once an effect outside may have happened: await it before
 * the effect. The commit itself is the ordinary one (`synchronous = NORMAL`: in the WAL file when it returns, so a
 * killed process finds it), and the WAL file is then synced (fdatasync) on libuv's thread pool instead of by
 * SQLite inside the commit (`synchronous = FULL`): an fsync (8–17 ms here) blocked the event loop, and every
 * daemon of a devnet with it, once per signed transaction. Same guarantee: the sync covers the commit's frames,
 * which are in the WAL file, or in the database file if a checkpoint moved them meanwhile (a checkpoint syncs the
 * WAL before copying it and the database after); a failed sync rejects, and the caller does not go on to the
 * effect. Inside an outer transaction the outer commit decides (as before; callers of insertTx do not nest it).
 */
export async function commitDurably<T>(
  store: NodeStore,
  write: () => T,
  /** Takes the write back when the sync fails (the commit stands otherwise, never synced: review s15). */
  undo?: (result: T) => void,
): Promise<T> {
  if (store.path === ':memory:' || store.db.inTransaction) return runInTransaction(store, write);
  const result = runInTransaction(store, write);
  // No WAL file: a file system without WAL support left the store in a rollback journal, where the commit wrote
  // the database file itself.
  const file = await open(`${store.path}-wal`, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return open(store.path, 'r');
    throw error;
  });
  try {
    await file.datasync();
  } catch (error) {
    if (undo) runInTransaction(store, () => undo(result));
    throw error;
  } finally {
    await file.close();
  }
  return result;
}

const transactions = new WeakMap<Database.Database, (write: () => unknown) => unknown>();

/**
 * `store.db.transaction(write)()` (BEGIN, `write`, COMMIT; a SAVEPOINT when nested; ROLLBACK when it throws),
 * through one wrapper per database: better-sqlite3 builds four wrapper functions with their properties for each
 * `transaction(fn)`, ≈ 5× the cost of an empty transaction itself, and every daemon of a devnet ran one per block.
 */
export function runInTransaction<T>(store: NodeStore, write: () => T): T {
  let run = transactions.get(store.db);
  if (!run) {
    run = store.db.transaction((inside: () => unknown) => inside());
    transactions.set(store.db, run);
  }
  return run(write) as T;
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * `db.prepare(sql)`, compiled once per database and kept: the store's queries run several times a second per
 * daemon (every watched block, every step), and compiling them each time was 5 % of a 20-node devnet's CPU.
 */
export function prepareCached(store: NodeStore, sql: string): Database.Statement {
  let cache = statements.get(store.db);
  if (!cache) {
    cache = new Map();
    statements.set(store.db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = store.db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/**
 * Rows changed by every INSERT, UPDATE and DELETE of this connection since it was opened (SQLite's
 * `total_changes()`): compared before and after a callback, whether it wrote anything.
 */
export function countChanges(store: NodeStore): number {
  return (prepareCached(store, 'SELECT total_changes() AS n').get() as { n: number }).n;
}

function migrateStore(db: Database.Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    db.close();
    throw new NodeStoreError(
      `The node database ${path} has schema version ${current}, newer than this build.`,
      {
        details: [`This build knows versions up to ${migrations.length}: upgrade the node software.`],
      },
    );
  }
  for (let version = current; version < migrations.length; version++) {
    const apply = db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    });
    apply();
  }
}
