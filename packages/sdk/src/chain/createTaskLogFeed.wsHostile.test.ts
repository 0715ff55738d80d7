import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, http, type PublicClient, pad, toHex, zeroAddress } from 'viem';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../../../cli/src/anvil/startAnvil.js';
import { createTaskLogFeed } from './createTaskLogFeed.js';

// Review of s14-lows, item 8: a hostile endpoint's heads. A head far above the real one (2^63) was taken as seen, so
// the HTTP reads never got above it and the stall rule never replaced the subscription; a flood of heads made
// back-to-back HTTP reads. Expected: a head far above the HTTP head is not taken as seen (the subscription that
// pushes nothing real is replaced), and reads started by heads are 100 ms apart at least.

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/** A server-to-client WebSocket text frame (short payloads only: under 64 KiB). */
const textFrame = (text: string) => {
  const payload = Buffer.from(text, 'utf8');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
};

/** The client's (masked) text frames whole at the front of `buffer`, and the rest. */
const clientTexts = (buffer: Buffer): { texts: string[]; rest: Buffer } => {
  const texts: string[] = [];
  let at = 0;
  for (;;) {
    if (buffer.length - at < 2) break;
    let length = buffer[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (buffer.length < start + 2) break;
      length = buffer.readUInt16BE(start);
      start += 2;
    }
    if (buffer.length < start + 4 + length) break;
    const mask = buffer.subarray(start, start + 4);
    const payload = Buffer.from(buffer.subarray(start + 4, start + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
    if ((buffer[at]! & 0x0f) === 1) texts.push(payload.toString('utf8'));
    at = start + 4 + length;
  }
  return { texts, rest: buffer.subarray(at) };
};

describe('createTaskLogFeed with a hostile WebSocket endpoint (heads at 2^63, a flood of them)', () => {
  let anvil: Anvil;
  let publicClient: PublicClient;
  let httpRequests = 0;
  const open = new Set<Socket>();
  let connections = 0;
  const floods = new Set<ReturnType<typeof setInterval>>();
  // On each subscription: one head at 2^63, then one more every 5 ms for 1 s, then nothing (the connection stays).
  const server = createServer((socket) => {
    connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    let buffer: Buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /sec-websocket-key:\s*(\S+)/i.exec(buffer.subarray(0, end).toString('latin1'))?.[1] ?? '';
        const accept = createHash('sha1')
          .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        upgraded = true;
        buffer = buffer.subarray(end + 4);
      }
      const { texts, rest } = clientTexts(buffer);
      buffer = rest;
      for (const text of texts) {
        const request = JSON.parse(text) as { id: number; method: string };
        if (request.method !== 'eth_subscribe') continue;
        socket.write(textFrame(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: '0x99' })));
        let number = 2n ** 63n;
        const push = () => {
          if (socket.destroyed) return;
          socket.write(
            textFrame(
              JSON.stringify({
                jsonrpc: '2.0',
                method: 'eth_subscription',
                params: { subscription: '0x99', result: { number: toHex(number++) } },
              }),
            ),
          );
        };
        push();
        const flood = setInterval(push, 5);
        floods.add(flood);
        setTimeout(() => {
          clearInterval(flood);
          floods.delete(flood);
        }, 1_000);
      }
    });
  });

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
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }, setupTimeout);
  after(async () => {
    for (const flood of floods) clearInterval(flood);
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await anvil?.stop();
  }, teardownTimeout);

  it('a flood makes reads 100 ms apart at most; heads at 2^63 do not stop the stall rule', {
    timeout: 60_000,
  }, async () => {
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    const mine = () => publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
    const feed = createTaskLogFeed({
      publicClient,
      taskManager: zeroAddress,
      pollIntervalMs: 1_000,
      headsStallMs: 1_000,
      wsUrl: `ws://127.0.0.1:${address.port}`,
    });
    const watch = feed.watch([pad(toHex(1), { size: 32 })]);
    try {
      await watch.sleep(5_000); // the first read
      for (let i = 0; i < 100 && connections === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(connections, 1, 'subscribed');
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
        replaced = connections >= 2;
      }
      assert.ok(replaced, `the stalled subscription was not replaced (${connections} connection(s) in 6 s)`);
    } finally {
      watch.stop();
      await feed.close();
    }
  });
});
