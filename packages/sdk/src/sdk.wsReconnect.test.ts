import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { type Hex, parseEther } from 'viem';
import { createClient, type VerinetClient } from './client/createClient.js';
import { type SdkNetwork, startSdkNetwork, testModels } from './testing/startSdkNetwork.js';
import { startWsProxy, type WsProxy } from './testing/startWsProxy.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let network: SdkNetwork;
let proxy: WsProxy;
let app: VerinetClient;

/** Waits until `check` holds, every 50 ms for at most `ms` (false if it never did). */
const until = async (check: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 50)))
    if (check()) return true;
  return check();
};

const chainState = (taskKey: Hex, blockNumber?: bigint) =>
  network.devnet.client
    .readContract({
      address: network.chain.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'getTask',
      args: [taskKey],
      blockNumber,
    })
    .then((info) => info.state);

/** One chat completion to its end on the chain (EndSuccess); its task's key. */
const chat = async (seed: number) => {
  const completion = await app.chat.completions.create({
    model: testModels.llm,
    messages: [{ role: 'user', content: 'Hello there' }],
    max_tokens: 4,
    seed,
  });
  assert.equal(await chainState(completion.verinet.taskKey), 5, 'EndSuccess');
  return completion.verinet.taskKey;
};

before(async () => {
  network = await startSdkNetwork();
  await network.joinNode(1);
  await network.startNode(1);
  // Unsampled tasks (1 in 1000 is sampled): one node is enough.
  await network.send(0, 'taskManager', 'setSamplingDenominator', [1000n]);
  proxy = await startWsProxy(network.chain.rpcUrl);
  app = createClient({
    chain: { ...network.chain, wsUrl: proxy.url },
    relay: network.relay.url,
    account: network.privateKey(10),
    fee: parseEther('0.01'),
    pollIntervalMs: 300,
  });
}, setupTimeout);
after(async () => {
  // Each stopped whatever the one before did (a throw would leave the rest running until exit); the first error
  // fails the hook after all ran.
  const errors: unknown[] = [];
  await app?.close().catch((error: unknown) => errors.push(error));
  await proxy?.stop().catch((error: unknown) => errors.push(error));
  await network?.stop().catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw errors[0];
}, teardownTimeout);

describe("SDK with a WebSocket endpoint whose connection drops (real chain, relay and node; a proxy cuts the app's socket)", {
  timeout: 300_000,
}, () => {
  it('tasks complete while the socket is down, and the feed subscribes to heads again on a new socket', async () => {
    // Review s13 (Low): after its socket closed, the shared feed's newHeads subscription never came back (viem kept
    // the closed socket for the URL), and the app's waits ran on the polls alone for the rest of the process.
    await chat(1);
    assert.equal(proxy.subscribes.length, 1, 'one newHeads subscription');
    assert.ok((proxy.notifications.get(1) ?? 0) > 0, 'heads pushed over it');
    const pushedBefore = proxy.notifications.get(1) ?? 0;
    const task = chat(2);
    // Mid-task: the RPC's socket is cut (an RPC restart or a proxy's idle cut, as the app sees it).
    assert.ok(
      await until(() => (proxy.notifications.get(1) ?? 0) > pushedBefore, 10_000),
      'a head of the second task pushed before the drop',
    );
    proxy.drop();
    // The head read just after the drop bounds the chain at the drop: the task had not ended there.
    const dropBlock = await network.devnet.client.getBlockNumber({ cacheTime: 0 });
    const taskKey = await task;
    assert.notEqual(
      await chainState(taskKey, dropBlock),
      5,
      'the drop came before the task ended (mid-task)',
    );
    await chat(3);
    assert.ok(
      await until(() => proxy.subscribes.length === 2, 15_000),
      `subscribed again (${proxy.subscribes.length} subscriptions)`,
    );
    assert.deepEqual(
      proxy.subscribes.map(({ connection, params }) => [connection, params[0]]),
      [
        [1, 'newHeads'],
        [2, 'newHeads'],
      ],
      'one newHeads subscription per socket, the second on a new one',
    );
    const pushed = proxy.notifications.get(2) ?? 0;
    await chat(4);
    assert.ok((proxy.notifications.get(2) ?? 0) > pushed, "the next task's heads came over the new socket");
  });
});
