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

describe('SQLite pending uploads (args.linked)', () => {
  const creator = '0x00000000000000000000000000000000000000c1' as const;
  const other = '0x00000000000000000000000000000000000000c2' as const;
  const commitment = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const;
  const args = (n: number, by: `0x${string}`, size: number) => ({
    argsCommitment: commitment(n),
    creator: by,
    salt: commitment(100 + n),
    argsHash: commitment(200 + n),
    taskType: 'llm' as const,
    size,
    objectKey: `args/${commitment(n)}/00000000-0000-0000-0000-00000000000${n}`,
    expiry: 2_000_000_000,
    createdAt: 1_000,
  });
  const unlimited = {
    perCreatorCount: 1000,
    perCreatorBytes: 1e9,
    totalBytes: 1e9,
    newCreatorCount: 1000,
    newCreatorBytes: 1e9,
    newCreatorsTotalBytes: 1e9,
  };
  const task = (n: number, argsN: number, by: `0x${string}`) => ({
    taskKey: commitment(1000 + n),
    argsCommitment: commitment(argsN),
    creator: by,
    taskType: 'llm' as const,
    terminalAt: null,
  });

  it('counts an upload as pending until a task names it, and keeps that across a reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-pending-'));
    try {
      const path = join(dir, 'relay.db');
      let meta = createSqliteMetaStore(path);
      try {
        for (const [n, by, size] of [
          [1, creator, 10],
          [2, creator, 20],
          [3, other, 40],
        ] as const)
          assert.equal((await meta.insertArgs(args(n, by, size), unlimited)).inserted, true);
        assert.deepEqual(await meta.getArgsUsage(creator), {
          creatorCount: 2,
          creatorBytes: 30,
          totalBytes: 70,
          established: false,
          newCreatorsBytes: 70,
        });
        await meta.insertTask(task(1, 1, creator));
        // A second task with the same arguments, and the same link again: no change.
        await meta.insertTask(task(2, 1, creator));
        await meta.insertTask(task(1, 1, creator));
        assert.deepEqual(await meta.getArgsUsage(creator), {
          creatorCount: 1,
          creatorBytes: 20,
          totalBytes: 60,
          established: true,
          newCreatorsBytes: 40,
        });
      } finally {
        await meta.close();
      }
      meta = createSqliteMetaStore(path);
      try {
        assert.equal((await meta.getArgsUsage(other)).totalBytes, 60, 'the links are stored');
        // Both tasks of upload 1 retired: the upload goes with the last one; upload 2 stays pending.
        await meta.deleteTask(commitment(1001));
        assert.equal((await meta.getArgsUsage(creator)).creatorBytes, 20);
        await meta.deleteTask(commitment(1002));
        assert.equal(await meta.getArgs(commitment(1)), undefined);
        assert.equal((await meta.getArgsUsage(creator)).totalBytes, 60);
      } finally {
        await meta.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fills args.linked from the tasks of a database from before session 11', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-pending-'));
    try {
      const path = join(dir, 'relay.db');
      const old = new Database(path);
      // The two tables as session 10 made them (no linked column).
      old.exec(`CREATE TABLE args (
        args_commitment TEXT PRIMARY KEY, creator TEXT NOT NULL, salt TEXT NOT NULL, args_hash TEXT NOT NULL,
        task_type TEXT NOT NULL, size INTEGER NOT NULL, object_key TEXT NOT NULL, expiry INTEGER NOT NULL,
        created_at INTEGER NOT NULL);
        CREATE TABLE tasks (task_key TEXT PRIMARY KEY, args_commitment TEXT NOT NULL, creator TEXT NOT NULL,
        task_type TEXT NOT NULL, terminal_at INTEGER);`);
      const insert = old.prepare(
        'INSERT INTO args VALUES (@argsCommitment, @creator, @salt, @argsHash, @taskType, @size, @objectKey, @expiry, @createdAt)',
      );
      insert.run(args(1, creator, 10));
      insert.run(args(2, creator, 20));
      old
        .prepare('INSERT INTO tasks VALUES (?, ?, ?, ?, NULL)')
        .run(commitment(1001), commitment(1), creator, 'llm');
      old.close();
      const meta = createSqliteMetaStore(path);
      try {
        assert.deepEqual(await meta.getArgsUsage(creator), {
          creatorCount: 1,
          creatorBytes: 20,
          totalBytes: 20,
          established: true,
          newCreatorsBytes: 0,
        });
      } finally {
        await meta.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
