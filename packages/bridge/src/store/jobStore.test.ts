import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findPostgresBin, type Postgres, startPostgres } from '../../../relay/src/test/startPostgres.js';
import { createApiKey } from '../keys/createApiKey.js';
import { createPostgresJobStore } from './createPostgresJobStore.js';
import { createSqliteJobStore } from './createSqliteJobStore.js';
import { JobLeaseLostError, type JobRecord, type JobStore, type NewJob } from './types.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const newJob = (keyId: string, id: string, overrides: Partial<NewJob> = {}): NewJob => ({
  id,
  keyId,
  idempotencyKey: null,
  requestHash: 'h',
  type: 'llm',
  source: 'native',
  args: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
  feeWei: 10n,
  ...overrides,
});

const limits = { unfinishedPerKey: 1000 };

async function addKey(store: JobStore, spendLimitWei: bigint | null) {
  const key = createApiKey();
  await store.insertKey({
    id: key.id,
    name: 'test',
    keyHash: key.keyHash,
    prefix: key.prefix,
    createdAt: 1,
    revokedAt: null,
    requestsPerMinute: null,
    spendLimitWei,
    spentWei: 0n,
  });
  return key;
}

function suite(name: string, open: () => Promise<JobStore>, reopen: () => Promise<JobStore>) {
  describe(name, () => {
    let store: JobStore;
    before(async () => {
      store = await open();
    }, setupTimeout);
    after(async () => store.close(), teardownTimeout);

    test('API keys are found by hash only, listed, and revoked', async () => {
      const key = await addKey(store, null);
      assert.equal((await store.findKeyByHash(key.keyHash))?.id, key.id);
      assert.equal(await store.findKeyByHash('0'.repeat(64)), undefined);
      assert.ok((await store.listKeys()).some((k) => k.id === key.id && k.keyHash === key.keyHash));
      assert.equal(await store.revokeKey(key.id, 5), true);
      assert.equal(await store.revokeKey('key_nope', 5), false);
      assert.equal((await store.findKeyByHash(key.keyHash))?.revokedAt, 5);
    });

    test('a job reserves its fee; over the spend limit it is refused and nothing is written', async () => {
      const key = await addKey(store, 25n);
      assert.equal((await store.createJob(newJob(key.id, `${name}-a`), 1, limits)).kind, 'created');
      assert.equal((await store.createJob(newJob(key.id, `${name}-b`), 2, limits)).kind, 'created');
      const refused = await store.createJob(newJob(key.id, `${name}-c`), 3, limits);
      assert.deepEqual(refused, { kind: 'overSpend', limitWei: 25n, spentWei: 20n });
      assert.equal(await store.getJob(`${name}-c`), undefined);
      // A failed job that spent nothing gives its reservation back, with its failure.
      const failed = await store.updateJob(`${name}-a`, { status: 'failed', chargedWei: 0n }, 4);
      assert.equal(failed.chargedWei, 0n);
      assert.equal((await store.createJob(newJob(key.id, `${name}-c`), 3, limits)).kind, 'created');
      assert.equal((await store.findKeyByHash(key.keyHash))?.spentWei, 20n);
    });

    test("a job's charge moves its key's spent total by the difference, however often it is written", async () => {
      const key = await addKey(store, 100n);
      await store.createJob(newJob(key.id, `${name}-ch`), 1, limits);
      assert.equal((await store.getJob(`${name}-ch`))?.chargedWei, 10n);
      // A timed-out sampled original whose two group members were paid singly: two fees spent.
      await store.updateJob(`${name}-ch`, { status: 'failed', chargedWei: 20n }, 2);
      await store.updateJob(`${name}-ch`, { chargedWei: 20n }, 3);
      assert.equal((await store.findKeyByHash(key.keyHash))?.spentWei, 20n);
      const done = await store.completeJob(`${name}-ch`, [], { status: 'succeeded', chargedWei: 30n }, 4);
      assert.equal(done.chargedWei, 30n);
      assert.equal((await store.findKeyByHash(key.keyHash))?.spentWei, 30n);
    });

    test('a key may have only so many jobs unfinished; ended jobs free their place', async () => {
      const key = await addKey(store, null);
      const two = { unfinishedPerKey: 2 };
      assert.equal((await store.createJob(newJob(key.id, `${name}-u0`), 1, two)).kind, 'created');
      assert.equal((await store.createJob(newJob(key.id, `${name}-u1`), 1, two)).kind, 'created');
      assert.deepEqual(await store.createJob(newJob(key.id, `${name}-u2`), 1, two), {
        kind: 'tooManyJobs',
        limit: 2,
      });
      assert.equal(await store.getJob(`${name}-u2`), undefined);
      await store.updateJob(`${name}-u0`, { status: 'failed', chargedWei: 0n }, 2);
      assert.equal((await store.createJob(newJob(key.id, `${name}-u2`), 3, two)).kind, 'created');
    });

    test('one bridge at a time holds a job: the lease is renewed by its owner, taken over once it ran out', async () => {
      const key = await addKey(store, null);
      await store.createJob(newJob(key.id, `${name}-lease`), 1, limits);
      assert.equal(await store.claimJob(`${name}-lease`, 'a', 1000, 100), true);
      assert.equal(await store.claimJob(`${name}-lease`, 'b', 1100, 200), false);
      assert.equal(await store.claimJob(`${name}-lease`, 'a', 1200, 300), true);
      assert.equal(await store.claimJob(`${name}-lease`, 'b', 2300, 1300), true);
      assert.equal(await store.claimJob(`${name}-lease`, 'a', 2400, 1400), false);
      await store.releaseJob(`${name}-lease`, 'b');
      assert.equal(await store.claimJob(`${name}-lease`, 'a', 2500, 1500), true);
      await store.updateJob(`${name}-lease`, { status: 'succeeded' }, 1600);
      assert.equal(await store.claimJob(`${name}-lease`, 'a', 2600, 1600), false);
    });

    test('a bridge that lost its lease cannot write the job (fencing): progress, ending and result refused', async () => {
      const key = await addKey(store, null);
      const id = `${name}-fence`;
      await store.createJob(newJob(key.id, id), 1, limits);
      assert.equal(await store.claimJob(id, 'a', 1000, 100), true);
      await store.updateJob(id, { status: 'running' }, 150, 'a');
      // a stalls past its lease; b takes the job over.
      assert.equal(await store.claimJob(id, 'b', 3000, 2000), true);
      await assert.rejects(store.updateJob(id, { chargedWei: 5n }, 2100, 'a'), JobLeaseLostError);
      await assert.rejects(
        store.completeJob(
          id,
          [{ name: '0.png', bytes: new Uint8Array([1]) }],
          { status: 'succeeded' },
          2100,
          'a',
        ),
        JobLeaseLostError,
      );
      const job = (await store.getJob(id)) as JobRecord;
      assert.deepEqual([job.status, job.chargedWei, job.files], ['running', job.feeWei, []]);
      assert.equal(await store.getFile(id, '0.png'), undefined);
      assert.equal((await store.listKeys()).find((k) => k.id === key.id)?.spentWei, job.feeWei);
      // The holder writes as before.
      await store.completeJob(
        id,
        [{ name: '0.png', bytes: new Uint8Array([2]) }],
        { status: 'succeeded' },
        2200,
        'b',
      );
      assert.equal((await store.getJob(id))?.status, 'succeeded');
    });

    test('concurrent jobs of one key never pass its spend limit together', async () => {
      const key = await addKey(store, 50n);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.createJob(newJob(key.id, `${name}-p${i}`), 1, limits)),
      );
      assert.equal(results.filter((r) => r.kind === 'created').length, 5);
      assert.equal((await store.findKeyByHash(key.keyHash))?.spentWei, 50n);
    });

    test('an idempotency key returns the first job and reserves once', async () => {
      const key = await addKey(store, null);
      const first = await store.createJob(newJob(key.id, `${name}-i1`, { idempotencyKey: 'x' }), 1, limits);
      const again = await store.createJob(newJob(key.id, `${name}-i2`, { idempotencyKey: 'x' }), 2, limits);
      assert.equal(first.kind, 'created');
      assert.equal(again.kind, 'existing');
      assert.equal(again.kind === 'existing' && again.job.id, `${name}-i1`);
      assert.equal((await store.findKeyByHash(key.keyHash))?.spentWei, 10n);
      assert.equal((await store.findJobByIdempotencyKey(key.id, 'x'))?.id, `${name}-i1`);
      assert.equal(await store.findJobByIdempotencyKey(key.id, 'y'), undefined);
      // Another key may use the same idempotency key.
      const other = await addKey(store, null);
      assert.equal(
        (await store.createJob(newJob(other.id, `${name}-i3`, { idempotencyKey: 'x' }), 3, limits)).kind,
        'created',
      );
    });

    test('jobs update, complete with their files, list newest first with a cursor, and survive a reopen', async () => {
      const key = await addKey(store, null);
      for (let i = 0; i < 3; i++) await store.createJob(newJob(key.id, `${name}-l${i}`), i, limits);
      const running = await store.updateJob(`${name}-l1`, { status: 'running' }, 10);
      assert.equal(running.status, 'running');
      assert.equal(running.updatedAt, 10);
      const bytes = new Uint8Array([137, 80, 78, 71, 0, 255]);
      const done = await store.completeJob(
        `${name}-l1`,
        [{ name: '0.png', bytes }],
        { status: 'succeeded', timings: { totalMs: 5, executionMs: 2, protocolMs: 3 } },
        11,
      );
      assert.deepEqual(done.files, ['0.png']);
      assert.deepEqual(await store.getFile(`${name}-l1`, '0.png'), bytes);
      assert.equal(await store.getFile(`${name}-l1`, '1.png'), undefined);
      const page = await store.listJobs(key.id, { limit: 2 });
      assert.deepEqual(
        page.map((j) => j.id),
        [`${name}-l2`, `${name}-l1`],
      );
      const next = await store.listJobs(key.id, { limit: 2, before: `${name}-l1` });
      assert.deepEqual(
        next.map((j) => j.id),
        [`${name}-l0`],
      );
      await store.setState('sdk/a', '1');
      await store.setState('sdk/a', '2');
      await store.close();
      store = await reopen();
      assert.equal((await store.getJob(`${name}-l1`))?.status, 'succeeded');
      assert.ok((await store.listUnfinishedJobs()).some((j) => j.id === `${name}-l0`));
      assert.ok(!(await store.listUnfinishedJobs()).some((j) => j.id === `${name}-l1`));
      assert.deepEqual(await store.listState('sdk/'), [{ key: 'sdk/a', value: '2' }]);
      await store.deleteState('sdk/a');
      assert.equal(await store.getState('sdk/a'), undefined);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bridge-store-'));
after(() => rmSync(dir, { recursive: true, force: true }), teardownTimeout);
const sqlitePath = join(dir, 'bridge.db');
suite(
  'sqlite',
  async () => createSqliteJobStore(sqlitePath),
  async () => createSqliteJobStore(sqlitePath),
);

let postgres: Postgres | undefined;
describe('postgres', { skip: findPostgresBin() ? false : 'PostgreSQL is not installed' }, () => {
  before(async () => {
    postgres = await startPostgres();
  }, setupTimeout);
  after(async () => postgres?.stop(), teardownTimeout);
  suite(
    'postgres store',
    async () => createPostgresJobStore((postgres as Postgres).url),
    async () => createPostgresJobStore((postgres as Postgres).url),
  );
});
