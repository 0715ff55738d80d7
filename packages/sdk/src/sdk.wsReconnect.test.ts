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

const chainState = (taskKey: Hex) =>
  network.devnet.client
    .readContract({
      address: network.chain.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'getTask',
      args: [taskKey],
    })
    .then((info) => info.state);

const chat = async (seed: number) => {
  const completion = await app.chat.completions.create({
    model: testModels.llm,
    messages: [{ role: 'user', content: 'Hello there' }],
    max_tokens: 4,
    seed,
  });
  assert.equal(await chainState(completion.verinet.taskKey), 5, 'EndSuccess');
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
  await app?.close();
  await proxy?.stop();
  await network?.stop();
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
    const task = chat(2);
    // Mid-task: the RPC's socket is cut (an RPC restart or a proxy's idle cut, as the app sees it).
    await until(() => (proxy.notifications.get(1) ?? 0) > 1, 10_000);
    proxy.drop();
    await task;
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
