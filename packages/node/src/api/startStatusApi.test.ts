import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Hex } from 'viem';
import { createChainClient } from '../chain/createChainClient.js';
import { createChainWatcher } from '../chain/createChainWatcher.js';
import { appendLog, insertTask, type NodeStore, openStore } from '../store/index.js';
import { startStatusApi } from './startStatusApi.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 60_000 };
const teardownTimeout = { timeout: 60_000 };

const deployment = {
  version: 1 as const,
  chainId: 31337,
  startBlock: 0,
  deployer: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' as const,
  deployedAt: '2026-11-29T00:00:00.000Z',
  contracts: {
    incentivePool: '0x0000000000000000000000000000000000000001' as const,
    nodeRegistry: '0x0000000000000000000000000000000000000002' as const,
    taskManager: '0x0000000000000000000000000000000000000003' as const,
    vrfVerifier: '0x0000000000000000000000000000000000000004' as const,
  },
};
const key = `0x${'ab'.repeat(32)}` as Hex;
let store: NodeStore;
let api: Awaited<ReturnType<typeof startStatusApi>>;
let stopWatcher: () => Promise<void> = async () => {};

before(async () => {
  store = openStore({ path: ':memory:' });
  insertTask(store, { taskKey: key, taskType: 1, startedBlock: 3, argsCommitment: null });
  appendLog(store, { level: 'warn', message: 'Chain RPC unreachable: test', taskKey: key });
  // A chain RPC that is not there: the API must still answer, and say so.
  const client = createChainClient({ rpcUrl: 'http://127.0.0.1:9', deployment, timeoutMs: 200 });
  const watcher = createChainWatcher({
    client,
    store,
    addresses: [],
    startBlock: 0,
    confirmations: 0,
    onLogs: () => {},
    minBackoffMs: 50,
  });
  watcher.start();
  await new Promise((resolve) => setTimeout(resolve, 300));
  api = await startStatusApi({ store, watcher, node: deployment.deployer, host: '127.0.0.1', port: 0 });
  stopWatcher = () => watcher.stop();
}, setupTimeout);
after(async () => {
  await api?.app.close();
  await stopWatcher();
  store?.close();
}, teardownTimeout);

describe('status API', () => {
  it('serves the status with the chain problem in plain words', async () => {
    const response = await fetch(`${api.url}/v1/status?limit=5`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      chain: { summary: string; rpcOk: boolean };
      openTasks: { taskKey: string }[];
      log: unknown[];
    };
    assert.match(body.chain.summary, /^chain RPC unreachable since /);
    assert.equal(body.chain.rpcOk, false);
    assert.equal(body.openTasks[0]?.taskKey, key);
    assert.equal(body.log.length, 1);
  });

  it('healthz is 503 while the chain is unreachable', async () => {
    const response = await fetch(`${api.url}/healthz`);
    assert.equal(response.status, 503);
    assert.match(((await response.json()) as { chain: string }).chain, /unreachable/);
  });

  it('one task, 404 for an unknown one, 400 for a malformed key, 404 for an unknown route', async () => {
    assert.equal((await fetch(`${api.url}/v1/tasks/${key}`)).status, 200);
    const unknown = await fetch(`${api.url}/v1/tasks/0x${'cd'.repeat(32)}`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'TASK_UNKNOWN');
    const malformed = await fetch(`${api.url}/v1/tasks/nope`);
    assert.equal(malformed.status, 400);
    assert.equal((await fetch(`${api.url}/v1/status?limit=0`)).status, 400);
    assert.equal((await fetch(`${api.url}/nowhere`)).status, 404);
  });

  it('serves Prometheus metrics and the dashboard', async () => {
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(metrics, /verinet_node_tasks\{step="assigned",outcome=""\} 1/);
    assert.match(metrics, /verinet_node_chain_rpc_up 0/);
    const page = await fetch(`${api.url}/`);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /Verinet node/);
  });
});
