import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import { taskStates } from '@verinet/protocol/chain/taskStates';
import { parseEther, toFunctionSelector } from 'viem';
import { createChainAccess } from './chain/createChainAccess.js';
import { createClient, type VerinetClient } from './client/createClient.js';
import { nodeHttp } from './nodeHttp.js';
import { startRpcProxy } from './testing/startRpcProxy.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout). */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const getTaskSelector = toFunctionSelector('getTask(bytes32)');
const selectorOf = (name: string) =>
  toFunctionSelector(
    (taskManagerAbi as readonly { type: string; name?: string }[]).find(
      (item) => item.type === 'function' && item.name === name,
    ) as never,
  );

/**
 * A JSON-RPC proxy in front of anvil that counts the calls it forwards (each item of a batch counts), and the
 * getTask answers by the state they carried (`getTask:<state>`).
 */
type CountingProxy = {
  url: string;
  counts: Map<string, number>;
  reset: () => void;
  close: () => Promise<void>;
};

async function startCountingProxy(target: string): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  /** JSON-RPC ids of the getTask calls in flight: their answers are counted by state. */
  const getTaskIds = new Set<unknown>();
  const proxy = await startRpcProxy(target, {
    onCalls(calls) {
      for (const item of calls) {
        const call = item.params?.[0] as { data?: string; input?: string } | undefined;
        const name =
          item.method === 'eth_call'
            ? `eth_call:${String(call?.data ?? call?.input).slice(0, 10)}`
            : item.method;
        count(name);
        if (name === `eth_call:${getTaskSelector}`) getTaskIds.add(item.id);
      }
    },
    onAnswers(answers) {
      for (const item of answers) {
        if (!getTaskIds.delete(item.id) || typeof item.result !== 'string') continue;
        // TaskInfo's first word: the state (ITaskManager.TaskState).
        count(`getTask:${taskStates[Number.parseInt(item.result.slice(2, 66), 16)] ?? 'unknown'}`);
      }
    },
  });
  return { url: proxy.url, counts, reset: () => counts.clear(), close: proxy.close };
}

const appIndex = 12;
let network: SdkNetwork;
let proxy: CountingProxy;
let client: VerinetClient;

before(async () => {
  network = await startSdkNetwork();
  for (const index of [1, 2]) {
    await network.joinNode(index);
    await network.startNode(index);
  }
  // Unsampled tasks (1 in 1000 is sampled): the single path, whose calls are counted.
  await network.send(0, 'taskManager', 'setSamplingDenominator', [1000n]);
  proxy = await startCountingProxy(network.devnet.anvil.rpcUrl);
  client = createClient({
    chain: { ...network.chain, rpcUrl: proxy.url },
    relay: network.relay.url,
    account: network.privateKey(appIndex),
    fee: parseEther('0.01'),
    pollIntervalMs: 100,
    http: nodeHttp,
  });
}, setupTimeout);
after(async () => {
  await client?.close();
  await proxy?.close();
  await network?.stop();
}, teardownTimeout);

const chat = (seed: number) =>
  client.chat.completions.create({
    model: testModels.llm,
    messages: [{ role: 'user', content: 'Count to three.' }],
    max_tokens: 4,
    seed,
  });

describe('JSON-RPC calls of the SDK per task (a counting proxy in front of anvil)', {
  timeout: 300_000,
}, () => {
  it('a task reads its state at most 5 times; sends read the fees at most once a second', async () => {
    // The first task binds the VRF key and learns the nonce: not counted.
    const warmStarted = Date.now();
    await chat(1);
    proxy.reset();
    const tasks = 4;
    const started = Date.now();
    for (let seed = 2; seed < 2 + tasks; seed++) await chat(seed);
    const seconds = (Date.now() - started) / 1000;
    const counts = Object.fromEntries(proxy.counts);
    console.log(`${tasks} tasks in ${seconds.toFixed(1)} s:`, counts);
    const of = (name: string) => proxy.counts.get(name) ?? 0;
    // At most 5 state reads per task: drawn (Pending, right after the creation), once more per head or poll
    // interval (100 ms) while no block after the creation block came and the chain looked busy (a foreign block
    // within the feed's 200 ms busy window: another transaction would settle the draw; at most 2 here), after
    // this app's own settlement (Started), reported (ScoreReady, its report log read with it); plus the fallback
    // poll of a wait that no log woke for 2 s (a slow worker on a loaded machine): one wait at a time here, so at
    // most one per 2 s begun (a run of 4.08 s can hold 3). The settlement's own TaskStarted log no longer wakes the
    // next wait for a state already read (session 13 read one Started too many per task the app settled itself,
    // as session 12's code did: 22 for 4 tasks on both, 18a314e and ba0aaea, s14). Before session 12: 7.5.
    const reads = of(`eth_call:${getTaskSelector}`);
    const fallbackPolls = Math.ceil(seconds / 2);
    assert.ok(reads <= 5 * tasks + fallbackPolls, `getTask ${reads} for ${tasks} tasks in ${seconds} s`);
    // Started once per task (after the settlement, or the first read when a node daemon settled it), plus the
    // fallback polls of a slow worker.
    assert.ok(
      of('getTask:Started') <= tasks + fallbackPolls,
      `Started read ${of('getTask:Started')} times for ${tasks} tasks in ${seconds} s`,
    );
    assert.ok(of('eth_call:0x85c129e9') <= 1, 'samplingDenominator is cached');
    // A second client of the process on the same RPC shares the chain values (joinChainCache): its task reads no
    // sampling denominator again while the first one's read is under 10 s old.
    const other = createClient({
      chain: { ...network.chain, rpcUrl: proxy.url },
      relay: network.relay.url,
      account: network.privateKey(appIndex + 2),
      fee: parseEther('0.01'),
      pollIntervalMs: 100,
      http: nodeHttp,
    });
    const denominatorReads = of('eth_call:0x85c129e9');
    const sharedFrom = Date.now();
    await other.chat.completions.create({
      model: testModels.llm,
      messages: [{ role: 'user', content: 'Count to three.' }],
      max_tokens: 4,
      seed: 99,
    });
    await other.close();
    // Asserted when the first client's first read (in its warm-up task) is under 10 s old (a loaded machine may
    // take longer: the value is then read again, as it should be).
    if (Date.now() - warmStarted < 9_000)
      assert.equal(of('eth_call:0x85c129e9'), denominatorReads, 'the second client shares the cached value');
    else console.log(`shared cache not asserted: ${((Date.now() - sharedFrom) / 1000).toFixed(1)} s`);
    // The pending count at each send (another process may send from this account), with the pre-check.
    const sent = of('eth_sendRawTransactionSync') + of('eth_sendRawTransaction');
    assert.equal(of('eth_getTransactionCount'), sent, 'one pending count per transaction');
    assert.ok(
      of('eth_maxPriorityFeePerGas') <= Math.ceil(seconds) + 1,
      `fee reads ${of('eth_maxPriorityFeePerGas')} in ${seconds.toFixed(1)} s`,
    );
    // anvil's chain id (31337) is a fixed-gas chain: each TaskManager call goes out with its fixed limit, still
    // pre-checked, by one eth_call against the pending block instead of an estimate (which runs it several times).
    assert.equal(of('eth_estimateGas'), 0, 'no estimate on a fixed-gas chain');
    assert.ok(of(`eth_call:${selectorOf('createTask')}`) >= tasks, 'each createTask is pre-checked');
    assert.ok(
      of(`eth_call:${selectorOf('validateSingleTask')}`) >= tasks,
      'each validateSingleTask is pre-checked',
    );
  });

  it('a fee cap under a base fee that jumped since the cached read: the fees are read again and the send lands', async () => {
    const access = createChainAccess({
      chain: { ...network.chain, rpcUrl: proxy.url },
      account: network.privateKey(appIndex + 1),
      pollIntervalMs: 100,
    });
    await access.write({ functionName: 'settleDraws', args: [] });
    const { baseFeePerGas } = await network.devnet.client.getBlock({ blockTag: 'latest' });
    proxy.reset();
    // A block whose base fee is 100 × the last one (as after a burst of full blocks): far above the cached
    // 2 × base fee + tip, and seen by a fresh read of the latest block.
    await network.devnet.rpc('anvil_setNextBlockBaseFeePerGas', [
      `0x${((baseFeePerGas ?? 1n) * 100n).toString(16)}`,
    ]);
    await network.devnet.rpc('evm_mine');
    const receipt = await access.write({ functionName: 'settleDraws', args: [] });
    assert.equal(receipt.status, 'success');
    assert.equal(proxy.counts.get('eth_maxPriorityFeePerGas'), 1, 'one fresh fee read after the refusal');
  });
});
