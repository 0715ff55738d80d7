// A retry whose job exists is answered from the store, before the fee is read from the chain: a client retrying
// while the RPC is down gets its job, not a 503.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BridgeContext } from '../app/context.js';
import { BridgeError } from '../errors/BridgeError.js';
import { createApiKey } from '../keys/createApiKey.js';
import { createSqliteJobStore } from '../store/createSqliteJobStore.js';
import type { ApiKeyRecord, JobRecord } from '../store/types.js';
import { submitJob } from './submitJob.js';

test('a retry with its idempotency key gets its job while the fee cannot be read; a new job gets a 503', async () => {
  const store = createSqliteJobStore(':memory:');
  const created = createApiKey();
  const key: ApiKeyRecord = {
    id: created.id,
    name: 'test',
    keyHash: created.keyHash,
    prefix: created.prefix,
    createdAt: 1,
    revokedAt: null,
    requestsPerMinute: null,
    spendLimitWei: null,
    spentWei: 0n,
  };
  await store.insertKey(key);
  let rpcUp = true;
  const submitted: JobRecord[] = [];
  const context = {
    config: { limits: { argsBytes: 1 << 20, unfinishedJobsPerKey: 10 } },
    store,
    fees: async () => {
      if (!rpcUp) throw new Error('fetch failed');
      return 10n ** 9n;
    },
    runner: { submit: (job: JobRecord) => submitted.push(job) },
  } as unknown as BridgeContext;
  const args = { model: 'verinet/tiny-gpt2', messages: [{ role: 'user', content: 'hi' }], seed: 1 };
  const submit = (idempotencyKey: string) =>
    submitJob(context, {
      key,
      type: 'llm',
      args,
      source: 'native',
      idempotencyKey,
      request: { type: 'llm', args },
    });
  try {
    const first = await submit('retry-1');
    rpcUp = false;
    const retried = await submit('retry-1');
    assert.equal(retried.id, first.id);
    assert.equal(submitted.length, 2, 'the retry resumes the same job');
    await assert.rejects(
      submit('retry-2'),
      (error: unknown) => error instanceof BridgeError && error.statusCode === 503,
    );
  } finally {
    await store.close();
  }
});
