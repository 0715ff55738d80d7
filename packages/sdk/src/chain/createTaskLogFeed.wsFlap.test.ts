import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, http, type PublicClient, pad, toHex, zeroAddress } from 'viem';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../../../cli/src/anvil/startAnvil.js';
import { type ScriptedWsServer, startScriptedWsServer } from '../testing/startScriptedWsServer.js';
import { createTaskLogFeed } from './createTaskLogFeed.js';

// Review of s14-lows (bb10939): the resubscription's backoff (0.5 s doubling to 30 s "while none pushes a head") is
// reset by any pushed head. An endpoint that accepts the subscription, pushes one head and closes the socket (a
// flapping proxy, a hostile RPC; the head need not even be real) gets a new connection every 0.5 s for as long as
// the app waits. Expected: the backoff keeps growing while subscriptions do not last (here: at most 6 connections
// in 8 s; 0.5 + 1 + 2 + 4 s of backoff).

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

describe('createTaskLogFeed with a WebSocket endpoint that pushes one head per connection, then closes it', () => {
  let anvil: Anvil;
  let publicClient: PublicClient;
  let server: ScriptedWsServer;
  let head = 1_000;

  before(async () => {
    anvil = await startAnvil();
    publicClient = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
    server = await startScriptedWsServer((connection, request) => {
      if (request.method !== 'eth_subscribe') return;
      connection.send({ jsonrpc: '2.0', id: request.id, result: '0xabc' });
      head++;
      connection.send({
        jsonrpc: '2.0',
        method: 'eth_subscription',
        params: { subscription: '0xabc', result: { number: toHex(head) } },
      });
      setTimeout(() => connection.destroy(), 20);
    });
  }, setupTimeout);
  after(async () => {
    await server?.stop();
    await anvil?.stop();
  }, teardownTimeout);

  it('backs off: at most 6 connections in 8 s of waiting', { timeout: 60_000 }, async () => {
    const feed = createTaskLogFeed({
      publicClient,
      taskManager: zeroAddress,
      pollIntervalMs: 1_000,
      wsUrl: server.url,
    });
    const watch = feed.watch([pad(toHex(1), { size: 32 })]);
    try {
      const end = Date.now() + 8_000;
      while (Date.now() < end) await watch.sleep(end - Date.now());
    } finally {
      watch.stop();
      await feed.close();
    }
    assert.ok(server.connections() <= 6, `${server.connections()} connections in 8 s`);
  });
});
