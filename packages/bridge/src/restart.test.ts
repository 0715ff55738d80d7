/**
 * Crash safety: the bridge process is killed (SIGKILL) after its job's task was created on chain; a new
 * bridge on the same PostgreSQL job store resumes the job to its verified result, without creating or paying
 * a second task. Then two bridges start at once on one store holding a queued job: one of them runs it, once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { findPostgresBin, type Postgres, startPostgres } from '../../relay/src/test/startPostgres.js';
import type { JobView } from './jobs/toJobView.js';
import { addApiKey } from './keys/addApiKey.js';
import { createPostgresJobStore } from './store/createPostgresJobStore.js';
import { startTestNetwork, type TestNetwork } from './test/startTestNetwork.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let network: TestNetwork;
let postgres: Postgres;
const children: ChildProcess[] = [];

async function spawnBridge(
  extra: Record<string, unknown> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const options = {
    port: 0,
    rpcUrl: network.devnet.anvil.rpcUrl,
    relayUrl: network.relay.url,
    deploymentFile: network.deploymentFile,
    privateKey: network.walletKey,
    postgresUrl: postgres.url,
    logLevel: 'silent',
    overrides: { models: network.models, pollIntervalMs: 100, 'limits.jobLeaseSeconds': 3, ...extra },
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./test/bridgeMain.ts', import.meta.url).pathname],
    {
      env: { ...process.env, VERINET_BRIDGE_TEST_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`bridge exited (${code}): ${stderr.slice(-2000)}`)));
  });
  return { child, url };
}

async function poll<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('bridge restart mid-job', {
  skip: findPostgresBin() ? false : 'PostgreSQL is not installed',
  timeout: 600_000,
}, () => {
  before(async () => {
    postgres = await startPostgres();
    network = await startTestNetwork();
  }, setupTimeout);
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await network?.stop();
    await postgres?.stop();
  }, teardownTimeout);

  test('a job whose task is on chain survives SIGKILL and is paid once', async () => {
    // The same instance name: the restarted bridge takes its job's lease back at once.
    const first = await spawnBridge({ instanceId: 'restart' });
    const store = await createPostgresJobStore(postgres.url);
    const { key } = await addApiKey(store, { name: 'restart' }, {});
    await store.close();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const body = JSON.stringify({
      type: 'llm',
      idempotencyKey: 'restart-1',
      args: {
        model: 'tiny-chat',
        messages: [{ role: 'user', content: 'Tell me' }],
        generation_config: { max_new_tokens: 8 },
      },
    });
    const created = await fetch(`${first.url}/api/tasks`, { method: 'POST', headers, body });
    assert.equal(created.status, 202);
    const job = (await created.json()) as JobView;
    const read = (url: string) => async () =>
      (await (await fetch(`${url}/api/tasks/${job.id}`, { headers })).json()) as JobView;

    const onChain = await poll(
      read(first.url),
      (j) => j.steps.created !== null,
      120_000,
      'the task on chain',
    );
    assert.notEqual(onChain.status, 'succeeded', 'killed before the result');
    const taskKey = onChain.tasks[0]?.taskKey;
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = await spawnBridge({ instanceId: 'restart' });
    // A client retrying with its idempotency key gets the same job, not a second one.
    const retried = (await (
      await fetch(`${second.url}/api/tasks`, { method: 'POST', headers, body })
    ).json()) as JobView;
    assert.equal(retried.id, job.id);
    const done = await poll(
      read(second.url),
      (j) => j.status === 'succeeded' || j.status === 'failed',
      240_000,
      'the result',
    );
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.tasks.length, 1);
    assert.equal(done.tasks[0]?.taskKey, taskKey, 'the same on-chain task');
    assert.ok(done.steps.paid);
    const result = await fetch(`${second.url}/api/tasks/${job.id}/files/result.json`, { headers });
    assert.equal(result.status, 200);
    assert.ok(((await result.json()) as { choices: unknown[] }).choices.length === 1);
    // The wallet sent createTask and validateSingleTask, plus settleDraws (F1) unless a node's settler drew the
    // node first (both race for it): nothing was created or paid twice.
    const wallet = (await import('viem/accounts')).privateKeyToAccount(network.walletKey).address;
    const sent = await network.devnet.client.getTransactionCount({ address: wallet });
    assert.ok(sent === 2 || sent === 3, `the wallet sent ${sent} transactions`);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });

  test('two bridges starting at once on one store: the queued job runs on one of them, once', async () => {
    const store = await createPostgresJobStore(postgres.url);
    const { id: keyId, key } = await addApiKey(store, { name: 'race' }, {});
    const created = await store.createJob(
      {
        id: `job_${'ab'.repeat(16)}`,
        keyId,
        idempotencyKey: null,
        requestHash: 'race',
        type: 'llm',
        source: 'native',
        args: {
          model: 'verinet/tiny-gpt2',
          messages: [{ role: 'user', content: 'Race' }],
          generation_config: { max_new_tokens: 4 },
          seed: 5,
        },
        feeWei: 10n ** 15n,
      },
      Date.now(),
      { unfinishedPerKey: 10 },
    );
    await store.close();
    assert.equal(created.kind, 'created');
    const wallet = (await import('viem/accounts')).privateKeyToAccount(network.walletKey).address;
    const createdBy = async () =>
      (
        await network.devnet.client.getContractEvents({
          address: network.devnet.deployment.contracts.taskManager,
          abi: taskManagerAbi,
          eventName: 'TaskCreated',
          args: { creator: wallet },
          fromBlock: 0n,
        })
      ).length;
    const before = await createdBy();
    // Both resume the queued job as they start: each tries to take its lease.
    const [a, b] = await Promise.all([spawnBridge(), spawnBridge()]);
    const headers = { authorization: `Bearer ${key}` };
    const done = await poll(
      async () =>
        (await (await fetch(`${a.url}/api/tasks/job_${'ab'.repeat(16)}`, { headers })).json()) as JobView,
      (j) => j.status === 'succeeded' || j.status === 'failed',
      240_000,
      'the raced job',
    );
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.tasks.length, 1);
    assert.equal(await createdBy(), before + 1, 'one createTask for the job, not one per bridge');
    assert.equal(done.charged, (10n ** 15n).toString());
    for (const child of [a.child, b.child]) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
