import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { getAbiItem, type Hex, parseEther, parseTransaction, toFunctionSelector } from 'viem';
import { createClient, type VerinetClient } from './client/createClient.js';
import { nodeHttp } from './nodeHttp.js';
import { createSqliteStore } from './store/createSqliteStore.js';
import { spawnAppProcess, waitForAppLine } from './testing/spawnAppProcess.js';
import { startRpcProxy } from './testing/startRpcProxy.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';

/**
 * s14 review (a defect older than session 14): a load-balanced RPC whose replica answering a state read is a block
 * behind the one that gave the createTask receipt shows the new task as None (getTask of an unknown key). The wait
 * takes None like a running state whose stateTime is 0 (the epoch): `now >= 0 + timeout`, so a task created a
 * moment ago is reported timed out at once (and its record's state becomes None, which runAttempt takes for a
 * createTask never sent). Now a created task the chain answers None for is read again for up to 20 s
 * (unseenTaskWaitMs) before it is taken for gone.
 *
 * s15: an app killed while its record read None (saved by that wait) must not take the task for a createTask never
 * sent when it restarts: it finds the creation by its saved receipt, sends no second createTask, and completes.
 */

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };
const getTaskSelector = toFunctionSelector('getTask(bytes32)');
const createTaskSelector = toFunctionSelector(getAbiItem({ abi: taskManagerAbi, name: 'createTask' }));

/**
 * Answers getTask calls `behind` blocks behind the head (1: a lagging replica), or at block `pinned` while set (a
 * replica stuck before the task's creation); everything else as is. Counts the createTask calls and transactions it passes.
 */
async function startLaggingProxy(target: string) {
  const state = { pinned: undefined as bigint | undefined, behind: 1n, createTasks: 0 };
  const head = async () =>
    BigInt(
      (
        (await (
          await fetch(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
          })
        ).json()) as { result: string }
      ).result,
    );
  const proxy = await startRpcProxy(target, {
    async onCalls(calls) {
      for (const item of calls) {
        const call = item.params?.[0] as { data?: string; input?: string } | undefined;
        const data = String(call?.data ?? call?.input);
        if (
          (item.method === 'eth_call' || item.method === 'eth_estimateGas') &&
          data.startsWith(createTaskSelector)
        )
          state.createTasks++;
        if (
          item.method === 'eth_sendRawTransaction' &&
          parseTransaction(item.params?.[0] as Hex).data?.startsWith(createTaskSelector)
        )
          state.createTasks++;
        if (item.method === 'eth_call' && data.startsWith(getTaskSelector))
          item.params = [call ?? {}, `0x${(state.pinned ?? (await head()) - state.behind).toString(16)}`];
      }
    },
  });
  return { ...proxy, state };
}

let network: SdkNetwork;
let proxy: Awaited<ReturnType<typeof startLaggingProxy>>;
let app: VerinetClient;

before(async () => {
  network = await startSdkNetwork();
  for (const index of [1, 2]) await network.joinNode(index);
  for (const index of [1, 2]) await network.startNode(index);
  proxy = await startLaggingProxy(network.devnet.anvil.rpcUrl);
  app = createClient({
    chain: { ...network.chain, rpcUrl: proxy.url },
    relay: network.relay.url,
    account: network.privateKey(12),
    fee: parseEther('0.01'),
    pollIntervalMs: 100,
    http: nodeHttp,
  });
}, setupTimeout);
after(async () => {
  await app?.close();
  await proxy?.close();
  await network?.stop();
}, teardownTimeout);

describe('a state read one block behind the createTask receipt', { timeout: 120_000 }, () => {
  it('does not report a task created a moment ago as timed out', async () => {
    const record = await app.prepareTask({
      type: 'llm',
      args: {
        model: testModels.llm,
        messages: [{ role: 'user' as const, content: 'Tell me' }],
        generation_config: { max_new_tokens: 4 },
        seed: 1,
      },
    });
    await app.uploadArgs(record.id);
    const created = await app.createTask(record.id);
    assert.equal(created.members[0]?.state, 'Pending');
    const { record: seen, timedOut } = await app.waitForReport(record.id, {
      until: 'seed',
      signal: AbortSignal.timeout(20_000),
    });
    assert.deepEqual(timedOut, [], `timed out at once; the record's state: ${seen.members[0]?.state}`);
  });
});

describe('an app killed while its record reads None', { timeout: 180_000 }, () => {
  it('restarts without a second createTask and completes the task', async () => {
    const appIndex = 13;
    const storePath = join(network.root, 'app13', 'tasks.db');
    // The replica is stuck before the task's creation until the restarted app has run a while.
    proxy.state.pinned = await network.devnet.client.getBlockNumber();
    const child = spawnAppProcess({
      chain: { ...network.chain, rpcUrl: proxy.url },
      relay: network.relay.url,
      privateKey: network.privateKey(appIndex),
      storePath,
      fee: parseEther('0.01').toString(),
      args: {
        model: testModels.llm,
        messages: [{ role: 'user' as const, content: 'Tell me' }],
        generation_config: { max_new_tokens: 4 },
        seed: 2,
      },
      id: 'unseen-1',
    });
    const store = createSqliteStore({ path: storePath });
    let restarted: VerinetClient | undefined;
    try {
      const created = await waitForAppLine(child, (line) => line.type === 'created');
      // Killed once its wait saved the state it read: None.
      for (let waited = 0; (await store.getTask('unseen-1'))?.members[0]?.state !== 'None'; waited += 50) {
        assert.ok(waited < 20_000, 'the record never read None');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const createTasksBefore = proxy.state.createTasks;
      restarted = createClient({
        chain: { ...network.chain, rpcUrl: proxy.url },
        relay: network.relay.url,
        account: network.privateKey(appIndex),
        store,
        fee: parseEther('0.01'),
        pollIntervalMs: 100,
        http: nodeHttp,
      });
      // The replica catches up a few seconds after the restart (within the wait's unseenTaskWaitMs), to the head:
      // a replica one block behind never sees the node's report when no later block comes.
      const release = setTimeout(() => {
        proxy.state.pinned = undefined;
        proxy.state.behind = 0n;
      }, 3_000);
      const result = await restarted
        .runTask(undefined, { id: 'unseen-1', signal: AbortSignal.timeout(120_000) })
        .finally(() => clearTimeout(release));
      assert.equal(proxy.state.createTasks, createTasksBefore, 'no createTask after the restart');
      assert.equal(result.base.taskKey, created.taskKey);
      assert.equal((await store.getTask('unseen-1'))?.phase, 'done');
    } finally {
      proxy.state.pinned = undefined;
      proxy.state.behind = 1n;
      child.kill('SIGKILL');
      await restarted?.close();
      await store.close();
    }
  });
});
