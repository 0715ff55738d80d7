import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { readFrames } from './startWsProxy.js';

/** One connection of a scripted WebSocket server, as its script sees it. */
export type ScriptedWsConnection = {
  /** Sends one JSON-RPC message (a text frame). */
  send: (message: unknown) => void;
  /** Whether the connection is gone. */
  closed: () => boolean;
  /** Cuts the connection. */
  destroy: () => void;
};

export type ScriptedWsServer = {
  /** ws://127.0.0.1:port of the server. */
  url: string;
  /** Connections accepted so far. */
  connections: () => number;
  stop: () => Promise<void>;
};

/** One unmasked WebSocket text frame (server to client). */
const textFrame = (text: string) => {
  const payload = Buffer.from(text, 'utf8');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
};

/**
 * Test helper: a minimal WebSocket JSON-RPC endpoint on 127.0.0.1 that accepts the handshake and answers each
 * request the client sends with what `onRequest` makes of it (an endpoint that misbehaves: pushes one head and
 * closes, floods heads at 2^63…); for a real RPC behind a faulty link, see startWsProxy.
 *
 * @example
 * const server = await startScriptedWsServer((connection, request) => connection.send({ jsonrpc: '2.0', id: request.id, result: '0x1' }));
 */
export async function startScriptedWsServer(
  onRequest: (
    connection: ScriptedWsConnection,
    request: { id: number; method: string; params?: unknown[] },
  ) => void,
): Promise<ScriptedWsServer> {
  const open = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    const connection: ScriptedWsConnection = {
      send: (message) => {
        if (!socket.destroyed) socket.write(textFrame(JSON.stringify(message)));
      },
      closed: () => socket.destroyed,
      destroy: () => socket.destroy(),
    };
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
      const { payloads, rest } = readFrames(buffer);
      buffer = rest;
      for (const payload of payloads)
        onRequest(connection, JSON.parse(payload) as { id: number; method: string });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    connections: () => connections,
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
