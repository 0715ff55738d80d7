import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, http, type PublicClient, pad, toHex, zeroAddress } from 'viem';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../../../cli/src/anvil/startAnvil.js';
import { createTaskLogFeed } from './createTaskLogFeed.js';

// Review of s14-lows (bb10939): the resubscription's backoff (0.5 s doubling to 30 s "while none pushes a head") is
// reset by any pushed head. An endpoint that accepts the subscription, pushes one head and closes the socket (a
// flapping proxy, a hostile RPC; the head need not even be real) gets a new connection every 0.5 s for as long as
// the app waits. Expected: the backoff keeps growing while subscriptions do not last (here: at most 6 connections
// in 8 s; 0.5 + 1 + 2 + 4 s of backoff).

const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/** One unmasked WebSocket text frame (server to client). */
const frame = (text: string) => {
  const payload = Buffer.from(text, 'utf8');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
};

/** The text payloads of the client's whole (masked) frames at the front of `buffer`, and what is left. */
const readClientFrames = (buffer: Buffer): { texts: string[]; rest: Buffer } => {
  const texts: string[] = [];
  let offset = 0;
  while (buffer.length - offset >= 6) {
    let length = buffer[offset + 1]! & 0x7f;
    let at = offset + 2;
    if (length === 126) {
      length = buffer.readUInt16BE(at);
      at += 2;
    }
    if (buffer.length < at + 4 + length) break;
    const mask = buffer.subarray(at, at + 4);
    const payload = Buffer.from(buffer.subarray(at + 4, at + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
    if ((buffer[offset]! & 0x0f) === 1) texts.push(payload.toString('utf8'));
    offset = at + 4 + length;
  }
  return { texts, rest: buffer.subarray(offset) };
};

describe('createTaskLogFeed with a WebSocket endpoint that pushes one head per connection, then closes it', () => {
  let anvil: Anvil;
  let publicClient: PublicClient;
  const open = new Set<Socket>();
  let connections = 0;
  let head = 1_000;
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
      const { texts, rest } = readClientFrames(buffer);
      buffer = rest;
      for (const text of texts) {
        const request = JSON.parse(text) as { id: number; method: string };
        if (request.method !== 'eth_subscribe') continue;
        socket.write(frame(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: '0xabc' })));
        head++;
        socket.write(
          frame(
            JSON.stringify({
              jsonrpc: '2.0',
              method: 'eth_subscription',
              params: { subscription: '0xabc', result: { number: toHex(head) } },
            }),
          ),
        );
        setTimeout(() => socket.destroy(), 20);
      }
    });
  });

  before(async () => {
    anvil = await startAnvil();
    publicClient = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }, setupTimeout);
  after(async () => {
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await anvil?.stop();
  }, teardownTimeout);

  it('backs off: at most 6 connections in 8 s of waiting', { timeout: 60_000 }, async () => {
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    const feed = createTaskLogFeed({
      publicClient,
      taskManager: zeroAddress,
      pollIntervalMs: 1_000,
      wsUrl: `ws://127.0.0.1:${address.port}`,
    });
    const watch = feed.watch([pad(toHex(1), { size: 32 })]);
    try {
      const end = Date.now() + 8_000;
      while (Date.now() < end) await watch.sleep(end - Date.now());
    } finally {
      watch.stop();
      await feed.close();
    }
    assert.ok(connections <= 6, `${connections} connections in 8 s`);
  });
});
