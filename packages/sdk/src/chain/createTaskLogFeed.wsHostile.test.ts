import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, http, type PublicClient, pad, toHex, zeroAddress } from 'viem';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../../../cli/src/anvil/startAnvil.js';
import { type ScriptedWsServer, startScriptedWsServer } from '../testing/startScriptedWsServer.js';
import { createTaskLogFeed } from './createTaskLogFeed.js';

// Review of s14-lows, item 8: a hostile endpoint's heads. A head far above the real one (2^63) was taken as seen, so
// the HTTP reads never got above it and the stall rule never replaced the subscription; a flood of heads made
// back-to-back HTTP reads. Expected: a head far above the HTTP head is not taken as seen (the subscription that
// pushes nothing real is replaced), and reads started by heads are 100 ms apart at least.

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

describe('createTaskLogFeed with a hostile WebSocket endpoint (heads at 2^63, a flood of them)', () => {
  let anvil: Anvil;
  let publicClient: PublicClient;
  let httpRequests = 0;
  let server: ScriptedWsServer;
  const floods = new Set<ReturnType<typeof setInterval>>();

  before(async () => {
    anvil = await startAnvil();
    publicClient = createPublicClient({
      chain: foundry,
      transport: http(anvil.rpcUrl, {
        onFetchRequest: () => {
          httpRequests++;
        },
      }),
    }) as PublicClient;
    // On each subscription: one head at 2^63, then one more every 5 ms for 1 s, then nothing (the connection stays).
    server = await startScriptedWsServer((connection, request) => {
      if (request.method !== 'eth_subscribe') return;
      connection.send({ jsonrpc: '2.0', id: request.id, result: '0x99' });
      let number = 2n ** 63n;
      const push = () => {
        if (connection.closed()) return;
        connection.send({
          jsonrpc: '2.0',
          method: 'eth_subscription',
          params: { subscription: '0x99', result: { number: toHex(number++) } },
        });
      };
      push();
      const flood = setInterval(push, 5);
      floods.add(flood);
      setTimeout(() => {
        clearInterval(flood);
        floods.delete(flood);
      }, 1_000);
    });
  }, setupTimeout);
  after(async () => {
    for (const flood of floods) clearInterval(flood);
    await server?.stop();
    await anvil?.stop();
  }, teardownTimeout);

  it('a flood makes reads 100 ms apart at most; heads at 2^63 do not stop the stall rule', {
    timeout: 60_000,
  }, async () => {
    const mine = () => publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
    const feed = createTaskLogFeed({
      publicClient,
      taskManager: zeroAddress,
      pollIntervalMs: 1_000,
      headsStallMs: 1_000,
      wsUrl: server.url,
    });
    const watch = feed.watch([pad(toHex(1), { size: 32 })]);
    try {
      await watch.sleep(5_000); // the first read
      for (let i = 0; i < 100 && server.connections() === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(server.connections(), 1, 'subscribed');
      // The flood runs 1 s from the subscription: the reads it starts, 100 ms apart, are 11 at most (+1 poll).
      const before = httpRequests;
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const reads = httpRequests - before;
      assert.ok(reads <= 14, `${reads} HTTP requests during 1.2 s of a flood of heads (one per 5 ms)`);
      // The chain moves on over HTTP; the endpoint pushes nothing real: the subscription is stalled and replaced.
      let replaced = false;
      for (let i = 0; i < 20 && !replaced; i++) {
        await mine();
        await new Promise((resolve) => setTimeout(resolve, 300));
        replaced = server.connections() >= 2;
      }
      assert.ok(
        replaced,
        `the stalled subscription was not replaced (${server.connections()} connection(s) in 6 s)`,
      );
    } finally {
      watch.stop();
      await feed.close();
    }
  });
});
