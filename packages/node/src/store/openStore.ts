import { mkdirSync } from 'node:fs';
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
 * WAL with `synchronous = FULL`: every committed step survives a power cut, which is what "persisted before
 * every side effect" has to mean for a daemon that may be killed at any moment.
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
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrateStore(db, path);
  return { db, path, close: () => db.close() };
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
