/**
 * Spend accounting of the job runner: a key is charged what the bridge's wallet spent on its job, from the
 * SDK's persisted record, not "one fee if it succeeded, nothing if it failed". The runner drives the real SDK
 * client over a real SQLite store; the records are the ones the SDK leaves after the runs described (no chain
 * is reached: an ended record is settled from the store alone).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createClient, type MemberRecord, type TaskRecord } from '@verinet/sdk';
import pino from 'pino';
import type { Hex } from 'viem';
import { createBridgeMetrics } from '../app/createBridgeMetrics.js';
import { addApiKey } from '../keys/addApiKey.js';
import { createSqliteJobStore } from '../store/createSqliteJobStore.js';
import { createJobRunner } from './createJobRunner.js';
import { createSdkStore } from './createSdkStore.js';
import { getJobCharge } from './getJobCharge.js';

const fee = 1_000n;
const key32 = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;

function member(n: number, role: MemberRecord['role'], fields: Partial<MemberRecord>): MemberRecord {
  return {
    role,
    nonce: key32(n),
    salt: key32(n + 100),
    taskKey: key32(n + 200),
    argsCommitment: key32(n + 300),
    fee: fee.toString(),
    ...fields,
  };
}

function record(id: string, fields: Partial<TaskRecord>): TaskRecord {
  return {
    v: 1,
    id,
    taskType: 'llm',
    args: '0x7b7d',
    argsHash: key32(1),
    request: { modelIds: [], minVram: 0, requiredGpu: key32(0), version: '1', gpu: null },
    guid: key32(2),
    phase: 'failed',
    members: [],
    previous: [],
    resubmits: 0,
    createdAt: 1,
    updatedAt: 1,
    ...fields,
  };
}

/** A sampled original whose node timed out (aborted: refunded) while both group members were paid singly. */
const timedOutSampled = (id: string) =>
  record(id, {
    sampled: true,
    validation: 'single',
    members: [
      member(1, 'original', { state: 'EndAborted', outcome: 'refunded' }),
      member(2, 'member', { state: 'EndSuccess', outcome: 'paid' }),
      member(3, 'member', { state: 'EndSuccess', outcome: 'paid' }),
    ],
  });

describe('what a job costs its key', () => {
  test('getJobCharge: fees paid or still locked count, refunded ones and unsent ones do not', () => {
    assert.equal(getJobCharge(undefined), 0n);
    assert.equal(getJobCharge(record('a', { members: [member(1, 'original', {})] })), 0n);
    assert.equal(getJobCharge(record('b', { members: [member(1, 'original', { sending: true })] })), fee);
    assert.equal(getJobCharge(record('c', { members: [member(1, 'original', { state: 'Started' })] })), fee);
    assert.equal(getJobCharge(timedOutSampled('d')), 2n * fee);
    // A validated group: the original paid, the members' fees came back.
    const group = record('e', {
      phase: 'done',
      members: [
        member(1, 'original', { state: 'EndGroupSuccess', outcome: 'paid' }),
        member(2, 'member', { state: 'EndGroupRefund', outcome: 'refunded' }),
        member(3, 'member', { state: 'EndGroupRefund' }),
      ],
    });
    assert.equal(getJobCharge(group), fee);
    // Resubmitted once after a timeout (refunded), then paid: one fee.
    const resubmitted = record('f', {
      phase: 'done',
      previous: [key32(9)],
      previousRefunded: fee.toString(),
      members: [member(4, 'original', { state: 'EndSuccess', outcome: 'paid' })],
    });
    assert.equal(getJobCharge(resubmitted), fee);
    // An earlier attempt whose fee did not come back (still locked) counts.
    assert.equal(getJobCharge({ ...resubmitted, previousRefunded: '0' }), 2n * fee);
    // A group whose member ran on the original's node: that member was replaced and paid alone.
    assert.equal(
      getJobCharge({ ...group, replaced: [member(5, 'member', { state: 'EndSuccess', outcome: 'paid' })] }),
      2n * fee,
    );
    // DrawExpired: the chain ended it EndAborted but kept the fee (forfeited to the IncentivePool).
    const expired = member(6, 'original', { state: 'EndAborted', outcome: 'forfeited' });
    assert.equal(getJobCharge(record('g', { phase: 'failed', members: [expired] })), fee);
  });

  test('a resumed job whose record shows two fees paid is charged two, with its failure, once, under its lease', async () => {
    const store = createSqliteJobStore(':memory:');
    const sdkStore = createSdkStore(store);
    const client = createClient({
      chain: {
        id: 31337,
        rpcUrl: 'http://127.0.0.1:1',
        contracts: { taskManager: `0x${'11'.repeat(20)}`, nodeRegistry: `0x${'22'.repeat(20)}` },
      },
      relay: 'http://127.0.0.1:2',
      account: `0x${'01'.repeat(32)}`,
      store: sdkStore,
    });
    const runner = createJobRunner({
      store,
      client,
      log: pino({ level: 'silent' }),
      metrics: createBridgeMetrics(),
      concurrency: 2,
    });
    try {
      const { id: keyId } = await addApiKey(store, { name: 'k', spendLimitWei: 10n * fee }, {});
      const bulk = 'x'.repeat(40_000);
      const created = await store.createJob(
        {
          id: 'job_charge',
          keyId,
          idempotencyKey: null,
          requestHash: 'h',
          type: 'llm',
          source: 'native',
          args: { model: 'm', messages: [{ role: 'user', content: bulk }] },
          feeWei: fee,
        },
        1,
        { unfinishedPerKey: 10 },
      );
      assert.equal(created.kind, 'created');
      // The bridge was killed after the SDK recorded the run's end, before the job row said so.
      await sdkStore.putTask(timedOutSampled('job_charge'));
      const ended = new Promise<Awaited<ReturnType<typeof store.getJob>>>((resolve) => {
        const stop = runner.watch('job_charge', (j) => {
          if (j.status === 'failed' || j.status === 'succeeded') {
            stop();
            resolve(j);
          }
        });
      });
      // Another bridge on the same store holds the job's lease: this one leaves it alone…
      assert.equal(await store.claimJob('job_charge', 'bridge_other', Date.now() + 60_000, Date.now()), true);
      await runner.resumeAll();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await store.getJob('job_charge'))?.status, 'queued');
      assert.equal((await store.listKeys())[0]?.spentWei, fee);
      // …until that bridge is gone and its lease has run out: then the next sweep takes the job over.
      assert.equal(await store.claimJob('job_charge', 'bridge_other', 0, Date.now()), true);
      await runner.resumeAll();
      const job = await ended;
      assert.equal(job?.status, 'failed');
      assert.equal(job?.chargedWei, 2n * fee);
      const [key] = await store.listKeys();
      assert.equal(key?.spentWei, 2n * fee);
      // Ended: the arguments are pruned (the history keeps the shape), and so is the SDK's copy of them.
      const args = job?.args as { messages: { content: string }[]; _pruned: { bytes: number } };
      assert.ok(args._pruned.bytes > 40_000);
      assert.ok((args.messages[0]?.content.length ?? 0) <= 513);
      assert.equal((await client.getTask('job_charge'))?.args, '0x');
      // Resuming again changes nothing: the job is over.
      await runner.resumeAll();
      assert.equal((await store.listKeys())[0]?.spentWei, 2n * fee);
    } finally {
      await runner.stop();
      await client.close();
      await store.close();
    }
  });
});
