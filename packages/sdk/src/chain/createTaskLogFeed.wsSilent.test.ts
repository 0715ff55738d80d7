import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, http, type PublicClient, pad, toHex, zeroAddress } from 'viem';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../../../cli/src/anvil/startAnvil.js';
import { createTaskLogFeed } from './createTaskLogFeed.js';

// Review of s14-lows (bb10939): a WebSocket endpoint that accepts the TCP connection but never answers the
// upgrade (a hung server, a proxy or firewall that holds connections) leaves viem's socket opening forever: viem
// has no timeout on the opening. The feed's close() awaits that opening (`await socket`), so the SDK client's
// close() never returns. Expected: close() returns at once (the pending opening is abandoned, its socket ended).

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

describe('createTaskLogFeed with a WebSocket endpoint that never answers the upgrade (real anvil)', () => {
  let anvil: Anvil;
  let publicClient: PublicClient;
  const held = new Set<Socket>();
  let connections = 0;
  const silent = createServer((socket) => {
    connections++;
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    socket.on('error', () => {});
    // Reads the upgrade request and never answers.
  });

  before(async () => {
    anvil = await startAnvil();
    publicClient = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  }, setupTimeout);
  after(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await anvil?.stop();
  }, teardownTimeout);

  it('close() returns within 5 s, and the waits were answered by the polls meanwhile', {
    timeout: 60_000,
  }, async () => {
    const address = silent.address();
    assert.ok(address !== null && typeof address === 'object');
    const feed = createTaskLogFeed({
      publicClient,
      taskManager: zeroAddress,
      pollIntervalMs: 100,
      headsStallMs: 500,
      wsUrl: `ws://127.0.0.1:${address.port}`,
    });
    const watch = feed.watch([pad(toHex(1), { size: 32 })]);
    let closed: 'closed' | 'hung' | undefined;
    try {
      // The first read of the head wakes the wait (over HTTP: the socket never opens).
      await watch.sleep(5_000);
      assert.equal(watch.live, true, 'the HTTP polls answer');
      // A quiet chain (no stall to see): the subscription's socket is still opening when the app closes.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.ok(connections >= 1, 'the feed connected to the WebSocket endpoint');
      watch.stop();
      let timer: ReturnType<typeof setTimeout> | undefined;
      closed = await Promise.race([
        feed.close().then(() => 'closed' as const),
        new Promise<'hung'>((resolve) => {
          timer = setTimeout(() => resolve('hung'), 5_000);
        }),
      ]);
      clearTimeout(timer);
    } finally {
      watch.stop();
      // Whatever happened: the held connections end, which ends any opening still pending.
      for (const socket of held) socket.destroy();
    }
    assert.equal(
      closed,
      'closed',
      `feed.close() did not return within 5 s (${connections} connection(s) held)`,
    );
  });
});
