import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Address, Hex } from 'viem';
import { NodeStoreError } from '../errors/index.js';
import {
  advanceCursor,
  commitDurably,
  countChanges,
  findLiveTx,
  getCursor,
  getHighestNonce,
  getLatestTx,
  getProcessedBlocks,
  getTask,
  insertTask,
  insertTx,
  listLiveVariants,
  listOpenTasks,
  listPendingTxs,
  migrations,
  openStore,
  reopenReplacedEnds,
  rewindCursor,
  runInTransaction,
  updateTask,
  updateTxStatus,
} from './index.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const teardownTimeout = { timeout: 60_000 };

const dir = mkdtempSync(join(tmpdir(), 'verinet-store-'));
after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);
const key = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;
const hash = (n: number) => `0x${(n + 0xabc).toString(16).padStart(64, '0')}` as Hex;

describe('openStore', () => {
  it('creates the schema, and a reopened store keeps its rows', () => {
    const path = join(dir, 'a', 'node.db');
    const store = openStore({ path });
    assert.equal(store.db.pragma('user_version', { simple: true }), migrations.length);
    assert.equal(
      insertTask(store, { taskKey: key(1), taskType: 1, startedBlock: 5, argsCommitment: hash(1) }),
      true,
    );
    store.close();
    const again = openStore({ path });
    assert.equal(getTask(again, key(1))?.step, 'assigned');
    again.close();
  });

  it('refuses a database from a newer build with a clear error', () => {
    const path = join(dir, 'newer.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${migrations.length + 1}`);
    raw.close();
    assert.throws(
      () => openStore({ path }),
      (error: unknown) => {
        assert.ok(error instanceof NodeStoreError);
        assert.match(error.message, /newer than this build/);
        return true;
      },
    );
  });

  it('upgrades an older schema in place', () => {
    const path = join(dir, 'older.db');
    const raw = new Database(path);
    raw.exec(migrations[0]!);
    raw.pragma('user_version = 1');
    raw.close();
    const store = openStore({ path });
    assert.equal(store.db.pragma('user_version', { simple: true }), migrations.length);
    store.close();
  });

  it('names the path when the database cannot be opened', () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    assert.throws(() => openStore({ path: join(file, 'node.db') }), NodeStoreError);
  });
});

describe('query plans', () => {
  it("the open tasks and a purpose's live transactions are read through their partial indexes, not a scan of every row", () => {
    const store = openStore({ path: ':memory:' });
    const plan = (sql: string, ...args: string[]) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
        .map((row) => row.detail)
        .join('; ');
    assert.match(
      plan("SELECT * FROM tasks WHERE step != 'ended' ORDER BY started_block, created_at"),
      /USING INDEX tasks_open/,
    );
    assert.match(
      plan(
        "SELECT * FROM transactions WHERE sender = ? AND purpose = ? AND status IN ('signed', 'sent') ORDER BY nonce, id LIMIT 1",
        'a',
        'b',
      ),
      /USING INDEX transactions_live \(sender=\? AND purpose=\?\)/,
    );
    store.close();
  });
});

describe('tasks', () => {
  it('insertTask is idempotent and keeps progress', () => {
    const store = openStore({ path: ':memory:' });
    insertTask(store, { taskKey: key(2), taskType: 0, startedBlock: 7, argsCommitment: hash(2) });
    updateTask(store, key(2), { step: 'executed', score: '0x1234' });
    assert.equal(
      insertTask(store, { taskKey: key(2), taskType: 0, startedBlock: 7, argsCommitment: hash(2) }),
      false,
    );
    const task = getTask(store, key(2));
    assert.equal(task?.step, 'executed');
    assert.equal(task?.score, '0x1234');
    updateTask(store, key(2), { step: 'ended', outcome: 'success' });
    assert.deepEqual(listOpenTasks(store), []);
    store.close();
  });

  it('keys are case-insensitive', () => {
    const store = openStore({ path: ':memory:' });
    insertTask(store, {
      taskKey: `0x${'AB'.repeat(32)}`,
      taskType: 1,
      startedBlock: 1,
      argsCommitment: null,
    });
    assert.ok(getTask(store, `0x${'ab'.repeat(32)}`));
    store.close();
  });

  it('reopenReplacedEnds: an end above the fork (or undated) of a task started at or below it goes back to its follow', () => {
    const store = openStore({ path: ':memory:' });
    const ended = (n: number, startedBlock: number, endedBlock: number | null, extra = {}) => {
      insertTask(store, { taskKey: key(n), taskType: 1, startedBlock, argsCommitment: null });
      updateTask(store, key(n), { step: 'ended', outcome: 'success', fee: '5', endedBlock, ...extra });
    };
    ended(1, 10, 12, { score: '0x01' }); // reported, its end replaced: followed again
    ended(2, 10, 11, { score: '0x01' }); // end at the fork block: stands
    ended(3, 10, null, { score: '0x01' }); // ended by a read, no event dated it yet: followed again
    ended(4, 12, 13, { score: '0x01' }); // started above the fork: markReplacedEndsLost's
    ended(5, 10, 12, { outcome: 'lost' }); // lost: the restart path's
    ended(6, 10, 12, { outcome: 'aborted' }); // never reported (ended at its timeout): back to abandoned
    ended(7, 10, 12, { errorKind: 'invalid_args' }); // reported invalid arguments
    assert.equal(reopenReplacedEnds(store, 11), 4);
    const step = (n: number) => getTask(store, key(n))?.step;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(step), [
      'reported',
      'ended',
      'reported',
      'ended',
      'ended',
      'abandoned',
      'reported',
    ]);
    const reopened = getTask(store, key(1));
    assert.equal(reopened?.outcome, null);
    assert.equal(reopened?.fee, null, "the undone end's fee is not shown");
    assert.equal(reopened?.endedBlock, null);
    assert.equal(reopened?.score, '0x01', 'the score is kept (a report undone too is sent again)');
    assert.equal(getTask(store, key(2))?.outcome, 'success');
    assert.equal(reopenReplacedEnds(store, 11), 0, 'idempotent: nothing ended above the fork any more');
    store.close();
  });
});

describe('cursor', () => {
  it('advances, keeps the last N hashes, rewinds', () => {
    const store = openStore({ path: ':memory:' });
    assert.equal(getCursor(store), undefined);
    advanceCursor(
      store,
      Array.from({ length: 10 }, (_, i) => ({ blockNumber: i + 1, blockHash: hash(i + 1) })),
      4,
    );
    assert.deepEqual(getCursor(store), { blockNumber: 10, blockHash: hash(10) });
    assert.deepEqual(
      getProcessedBlocks(store, 100).map((b) => b.blockNumber),
      [10, 9, 8, 7],
    );
    rewindCursor(store, { blockNumber: 8, blockHash: hash(8) });
    assert.deepEqual(getCursor(store), { blockNumber: 8, blockHash: hash(8) });
    assert.deepEqual(
      getProcessedBlocks(store, 100).map((b) => b.blockNumber),
      [8, 7],
    );
    store.close();
  });
});

describe('transactions', () => {
  it('tracks signed transactions, their status and nonces', async () => {
    const store = openStore({ path: ':memory:' });
    const sender = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    assert.equal(getHighestNonce(store, sender), -1);
    const tx = await insertTx(store, {
      purpose: 'submitScore',
      taskKey: key(3),
      sender,
      nonce: 4,
      hash: hash(3),
      raw: '0x02',
    });
    assert.equal(tx.status, 'signed');
    assert.equal(getHighestNonce(store, sender), 4);
    assert.equal(listPendingTxs(store, sender).length, 1);
    updateTxStatus(store, tx.id, 'mined', { blockNumber: 12 });
    assert.equal(getLatestTx(store, 'submitScore', key(3))?.blockNumber, 12);
    assert.equal(listPendingTxs(store, sender).length, 0);
    // The same signed bytes cannot be recorded twice; a fee-bumped variant (same nonce, new hash) can.
    await assert.rejects(() =>
      insertTx(store, {
        purpose: 'submitScore',
        taskKey: key(3),
        sender,
        nonce: 4,
        hash: hash(3),
        raw: '0x02',
      }),
    );
    const variant = await insertTx(store, {
      purpose: 'submitScore',
      taskKey: key(3),
      sender,
      nonce: 4,
      hash: hash(5),
      raw: '0x03',
    });
    assert.deepEqual(
      listLiveVariants(store, sender, 4).map((t) => t.id),
      [variant.id],
    );
    store.close();
  });

  it('findLiveTx: the oldest live transaction of a purpose, not another purpose, not a mined one', async () => {
    const store = openStore({ path: ':memory:' });
    const sender: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    const other: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
    const signed = (n: number, purpose: string, from: Address = sender) =>
      insertTx(store, { purpose, taskKey: key(n), sender: from, nonce: n, hash: hash(n), raw: '0x02' });
    assert.equal(findLiveTx(store, sender, 'settleDraws'), undefined);
    await signed(20, 'submitScore');
    await signed(21, 'settleDraws', other);
    assert.equal(findLiveTx(store, sender, 'settleDraws'), undefined, 'another purpose, another sender');
    const first = await signed(22, 'settleDraws');
    const second = await signed(23, 'settleDraws');
    assert.equal(findLiveTx(store, sender, 'settleDraws')?.id, first.id);
    updateTxStatus(store, first.id, 'mined', { blockNumber: 30 });
    assert.equal(
      findLiveTx(store, sender.toUpperCase().replace('0X', '0x') as Hex, 'settleDraws')?.id,
      second.id,
    );
    updateTxStatus(store, second.id, 'sent');
    assert.equal(findLiveTx(store, sender, 'settleDraws')?.id, second.id, 'sent is still live');
    updateTxStatus(store, second.id, 'dropped');
    assert.equal(findLiveTx(store, sender, 'settleDraws'), undefined);
    store.close();
  });
});

describe('countChanges', () => {
  it('counts the rows written, not reads nor inserts that did nothing', () => {
    const store = openStore({ path: ':memory:' });
    const start = countChanges(store);
    getTask(store, key(40));
    assert.equal(countChanges(store), start, 'a read changes nothing');
    insertTask(store, { taskKey: key(40), taskType: 1, startedBlock: 1, argsCommitment: null });
    assert.equal(countChanges(store), start + 1);
    insertTask(store, { taskKey: key(40), taskType: 1, startedBlock: 1, argsCommitment: null });
    assert.equal(countChanges(store), start + 1, 'ON CONFLICT DO NOTHING writes nothing');
    store.close();
  });
});

describe('runInTransaction and commitDurably', () => {
  it('commit together, roll back together on a throw (nested: only the inner part), and the durable commit is synced after it, off the event loop', async () => {
    const store = openStore({ path: join(dir, 'tx.db') });
    const synchronous = () => store.db.pragma('synchronous', { simple: true });
    assert.equal(synchronous(), 1, 'NORMAL: commits are not synced by SQLite');
    runInTransaction(store, () => {
      insertTask(store, { taskKey: key(50), taskType: 1, startedBlock: 1, argsCommitment: null });
      assert.ok(store.db.inTransaction);
      assert.throws(() =>
        runInTransaction(store, () => {
          insertTask(store, { taskKey: key(51), taskType: 1, startedBlock: 1, argsCommitment: null });
          throw new Error('inner');
        }),
      );
    });
    assert.ok(
      getTask(store, key(50)) && !getTask(store, key(51)),
      'the outer part kept, the inner rolled back',
    );
    assert.throws(() =>
      runInTransaction(store, () => {
        insertTask(store, { taskKey: key(52), taskType: 1, startedBlock: 1, argsCommitment: null });
        throw new Error('outer');
      }),
    );
    assert.equal(getTask(store, key(52)), undefined);
    const durable = commitDurably(store, () => {
      insertTask(store, { taskKey: key(53), taskType: 1, startedBlock: 1, argsCommitment: null });
      return synchronous();
    });
    // Committed at once (a kill -9 from here on finds it); the promise is the WAL file's sync on the thread pool.
    assert.ok(getTask(store, key(53)), 'committed before the sync resolves');
    assert.equal(await durable, 1, 'an ordinary commit (the event loop is not blocked in an fsync)');
    await assert.rejects(() =>
      commitDurably(store, () => {
        insertTask(store, { taskKey: key(54), taskType: 1, startedBlock: 1, argsCommitment: null });
        assert.fail('write failed');
      }),
    );
    assert.equal(getTask(store, key(54)), undefined, 'a failed write is rolled back, not synced');
    // A store left in a rollback journal (no WAL file): the database file is synced instead.
    store.db.pragma('journal_mode = DELETE');
    assert.equal(
      await commitDurably(store, () =>
        insertTask(store, { taskKey: key(55), taskType: 1, startedBlock: 1, argsCommitment: null }),
      ),
      true,
    );
    assert.ok(getTask(store, key(55)));
    store.close();
  });
});
