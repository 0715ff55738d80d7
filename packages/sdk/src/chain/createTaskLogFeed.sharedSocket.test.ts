import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, http, type PublicClient, pad, toHex, zeroAddress } from 'viem';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../../../cli/src/anvil/startAnvil.js';
import { startWsProxy, type WsProxy } from '../testing/startWsProxy.js';
import { createTaskLogFeed } from './createTaskLogFeed.js';

// Review of s14-lows (bb10939): the feed says it ends "its socket" and opens "a new one on a new socket", but viem
// caches one socket per URL and options (keepAlive, reconnect, key), the same for every feed of a process (and for
// createTaskEventWaker): two feeds of one wsUrl (two clients of different pollIntervalMs, or two TaskManagers) share
// it. Closing one feed (its client's close()), or one feed's stall rule, closes the other's socket under it.
// Expected: a feed's end closes only its own subscription; the other feed's heads go on, on its subscription.

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/** Waits until `check` holds, every 50 ms for at most `ms` (false if it never did). */
const until = async (check: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 50)))
    if (check()) return true;
  return check();
};

describe('two task log feeds of one wsUrl (real anvil, a counting proxy)', () => {
  let anvil: Anvil;
  let publicClient: PublicClient;
  let proxy: WsProxy;
  before(async () => {
    anvil = await startAnvil();
    publicClient = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
    proxy = await startWsProxy(anvil.rpcUrl);
  }, setupTimeout);
  after(async () => {
    await proxy?.stop();
    await anvil?.stop();
  }, teardownTimeout);

  it("closing one feed leaves the other's heads subscription pushing", { timeout: 60_000 }, async () => {
    const mine = () => publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
    const first = createTaskLogFeed({
      publicClient,
      taskManager: zeroAddress,
      pollIntervalMs: 300,
      wsUrl: proxy.url,
    });
    const second = createTaskLogFeed({
      publicClient,
      taskManager: zeroAddress,
      pollIntervalMs: 250,
      wsUrl: proxy.url,
    });
    const a = first.watch([pad(toHex(1), { size: 32 })]);
    const b = second.watch([pad(toHex(2), { size: 32 })]);
    try {
      await a.sleep(5_000);
      await b.sleep(5_000);
      assert.ok(
        await until(() => proxy.subscribes.length === 2, 10_000),
        'one newHeads subscription per feed',
      );
      const sockets = new Set(proxy.subscribes.map(({ connection }) => connection));
      a.stop();
      await first.close();
      const subscribed = proxy.subscribes.length;
      const pushed = [...proxy.notifications.values()].reduce((sum, n) => sum + n, 0);
      for (let i = 0; i < 4; i++) {
        await mine();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const after = [...proxy.notifications.values()].reduce((sum, n) => sum + n, 0);
      assert.ok(
        after > pushed && proxy.subscribes.length === subscribed,
        `the second feed's subscription went on pushing heads (sockets used by the two feeds: ${[...sockets].join(', ')}; heads pushed after the first closed: ${after - pushed}; subscriptions ${subscribed} -> ${proxy.subscribes.length})`,
      );
    } finally {
      a.stop();
      b.stop();
      await first.close();
      await second.close();
    }
  });
});
