/**
 * Test helper: a TCP proxy on 127.0.0.1 in front of an RPC's WebSocket endpoint that counts the JSON-RPC
 * subscriptions clients open through it and the notifications it passes back, and can drop every connection (an
 * RPC restart or a proxy's idle cut, as the client sees it) or stall them (a connection that stays open but
 * carries nothing more: a dead NAT entry, a hung server). It reads the WebSocket frames it forwards (client frames
 * unmasked, server frames as sent); nothing is changed on the way.
 */
import { createServer, type Socket, connect as tcpConnect } from 'node:net';

export type WsProxy = {
  /** ws://127.0.0.1:port of the proxy. */
  url: string;
  /** `eth_subscribe` requests clients sent, in order, each with its connection's number (from 1). */
  subscribes: { connection: number; params: unknown[] }[];
  /** `eth_subscription` notifications passed to clients, by connection number. */
  notifications: Map<number, number>;
  /** Connections accepted so far. */
  connections: () => number;
  /** Closes every open connection at once (both sides' sockets destroyed). */
  drop: () => void;
  /** Stops forwarding in both directions on the open connections, which stay open (new ones pass). */
  stall: () => void;
  stop: () => Promise<void>;
};

/** Whole WebSocket frames from the front of `buffer` (text payloads, masked or not), and what is left of it. */
export function readFrames(buffer: Buffer): { payloads: string[]; rest: Buffer } {
  const payloads: string[] = [];
  let offset = 0;
  for (;;) {
    if (buffer.length - offset < 2) break;
    const opcode = buffer[offset]! & 0x0f;
    const masked = (buffer[offset + 1]! & 0x80) !== 0;
    let length = buffer[offset + 1]! & 0x7f;
    let at = offset + 2;
    if (length === 126) {
      if (buffer.length < at + 2) break;
      length = buffer.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      if (buffer.length < at + 8) break;
      length = Number(buffer.readBigUInt64BE(at));
      at += 8;
    }
    const mask = masked ? buffer.subarray(at, at + 4) : undefined;
    if (masked) at += 4;
    if (buffer.length < at + length) break;
    const payload = Buffer.from(buffer.subarray(at, at + length));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
    // Text frames only (opcode 1): JSON-RPC; continuation frames are not used by viem or anvil for these messages.
    if (opcode === 1) payloads.push(payload.toString('utf8'));
    offset = at + length;
  }
  return { payloads, rest: buffer.subarray(offset) };
}

/**
 * Starts the proxy in front of `target` (an `http://` or `ws://` URL of the RPC: the same host and port serve
 * both on anvil).
 *
 * @example
 * const proxy = await startWsProxy(anvil.rpcUrl);
 * createClient({ chain: { ...chain, wsUrl: proxy.url }, … });
 * proxy.drop();
 */
export async function startWsProxy(target: string): Promise<WsProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<{ client: Socket; upstream: Socket; stalled: boolean }>();
  const subscribes: WsProxy['subscribes'] = [];
  const notifications = new Map<number, number>();
  let accepted = 0;

  const server = createServer((client) => {
    const number = ++accepted;
    const upstream = tcpConnect({ host: hostname, port: Number(port) });
    const pair = { client, upstream, stalled: false };
    open.add(pair);
    // Each direction: the HTTP upgrade first (passed as is), then frames.
    const watchDirection = (from: Socket, to: Socket, onMessage: (message: string) => void) => {
      let handshake = true;
      let buffer: Buffer = Buffer.alloc(0);
      from.on('data', (chunk: Buffer) => {
        if (pair.stalled) return;
        to.write(chunk);
        buffer = Buffer.concat([buffer, chunk]);
        if (handshake) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          handshake = false;
          buffer = buffer.subarray(end + 4);
        }
        const { payloads, rest } = readFrames(buffer);
        buffer = rest;
        for (const payload of payloads) onMessage(payload);
      });
    };
    const parse = (message: string): { method?: string; params?: unknown[] }[] => {
      try {
        const value = JSON.parse(message) as unknown;
        return (Array.isArray(value) ? value : [value]) as { method?: string; params?: unknown[] }[];
      } catch {
        return [];
      }
    };
    watchDirection(client, upstream, (message) => {
      for (const request of parse(message))
        if (request.method === 'eth_subscribe')
          subscribes.push({ connection: number, params: request.params ?? [] });
    });
    watchDirection(upstream, client, (message) => {
      for (const response of parse(message))
        if (response.method === 'eth_subscription')
          notifications.set(number, (notifications.get(number) ?? 0) + 1);
    });
    const close = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');

  return {
    url: `ws://127.0.0.1:${address.port}`,
    subscribes,
    notifications,
    connections: () => accepted,
    drop() {
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
      open.clear();
    },
    stall() {
      for (const pair of open) pair.stalled = true;
    },
    async stop() {
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
