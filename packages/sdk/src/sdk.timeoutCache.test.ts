import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import { createPublicClient, http, parseEther } from 'viem';
import { createClient, type VerinetClient } from './client/createClient.js';
import { nodeHttp } from './nodeHttp.js';
import { createSqliteStore } from './store/createSqliteStore.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';

/**
 * The task types' `timeout` is cached per process and chain (joinChainCache, s14). The s14 review found it cached
 * with no time to live while any client of that RPC stayed open: a client created after the owner's `setTimeout`
 * took a running task for timed out with the old value (an abort that reverts, a resubmit paid for nothing). Now
 * cached 10 s, and read from the chain before a timeout is declared.
 */

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };
const llmType = 1;

let network: SdkNetwork;
let first: VerinetClient;
let later: VerinetClient | undefined;
const store = createSqliteStore({ path: ':memory:' });

before(async () => {
  network = await startSdkNetwork();
  for (const index of [1, 2]) await network.joinNode(index);
  first = createClient({
    chain: network.chain,
    relay: network.relay.url,
    account: network.privateKey(12),
    fee: parseEther('0.01'),
    pollIntervalMs: 100,
    http: nodeHttp,
    store,
  });
}, setupTimeout);
after(async () => {
  await later?.close();
  await first?.close();
  await network?.stop();
}, teardownTimeout);

describe('the shared timeout cache', { timeout: 120_000 }, () => {
  it("a client created after the owner raised the timeout uses the chain's new timeout", async () => {
    const chain = createPublicClient({ transport: http(network.devnet.anvil.rpcUrl) });
    const timeoutOf = async () =>
      (await chain.readContract({
        address: network.chain.contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'timeout',
        args: [llmType],
      })) as bigint;
    const record = await first.prepareTask({
      type: 'llm',
      args: {
        model: testModels.llm,
        messages: [{ role: 'user' as const, content: 'Tell me' }],
        generation_config: { max_new_tokens: 4 },
        seed: 1,
      },
    });
    await first.uploadArgs(record.id);
    await first.createTask(record.id);
    // The first client's wait reads (and caches) the timeout; its task is Started on a node without a daemon.
    const { record: seeded } = await first.waitForReport(record.id, { until: 'seed' });
    assert.equal(seeded.members[0]?.state, 'Started');
    const old = await timeoutOf();
    await network.send(0, 'taskManager', 'setTimeout', [llmType, old + 120n]);
    assert.equal(await timeoutOf(), old + 120n);
    // Past the old timeout, well within the new one; the chain clock's 5 s cache runs out.
    await network.warp(Number(old) + 30);
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    later = createClient({
      chain: network.chain,
      relay: network.relay.url,
      account: network.privateKey(12),
      fee: parseEther('0.01'),
      pollIntervalMs: 100,
      http: nodeHttp,
      store,
    });
    const { timedOut } = await later.waitForReport(record.id, {
      until: 'seed',
      signal: AbortSignal.timeout(20_000),
    });
    assert.deepEqual(timedOut, [], 'the new client took the task for timed out with the old timeout');
  });
});
