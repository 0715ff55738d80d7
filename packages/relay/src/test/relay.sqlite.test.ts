import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteMetaStore } from '../storage/sqlite/createSqliteMetaStore.js';
import { sqliteStorageFactory } from './relayHarness.js';
import { runRelaySuite } from './relaySuite.js';

describe('relay on SQLite + files (real anvil, real contracts)', { timeout: 300_000 }, () => {
  runRelaySuite(async () => sqliteStorageFactory());
});

describe('SQLite replay claims', () => {
  it('keeps the claims of a database from before session 5 (hex TEXT table) across the upgrade', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-claims-'));
    try {
      const path = join(dir, 'relay.db');
      const old = new Database(path);
      old.exec(
        'CREATE TABLE requests (digest TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID; CREATE INDEX requests_expiry ON requests (expires_at);',
      );
      const used = `0x${'ab'.repeat(32)}` as const;
      old.prepare('INSERT INTO requests VALUES (?, ?)').run(used, 2_000_000_000);
      old.close();
      const meta = createSqliteMetaStore(path);
      try {
        assert.equal(
          await meta.claimRequest(used, 2_000_000_000),
          false,
          'a claim made before the upgrade holds',
        );
        const fresh = `0x${'cd'.repeat(32)}` as const;
        assert.equal(await meta.claimRequest(fresh, 2_000_000_000), true);
        assert.equal(await meta.claimRequest(fresh, 2_000_000_000), false);
      } finally {
        await meta.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
