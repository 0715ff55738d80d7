import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export type RawRequest = { method: string; path: string; headers: Record<string, string> };

export type DriveRawLoadParameters = {
  host: string;
  port: number;
  /** Sent in this order, each once, over `connections` keep-alive connections (one in flight per connection). */
  requests: RawRequest[];
  connections: number;
};

export type DriveRawLoadReturnType = {
  seconds: number;
  /** Latency of each request in milliseconds, sorted. */
  latencies: number[];
  /** Answers by status code. */
  statuses: Map<number, number>;
};

const CRLF = Buffer.from('\r\n\r\n');

/** Pre-serialized HTTP/1.1 request bytes: the client's work per request is one socket write. */
function serialize(host: string, port: number, request: RawRequest): Buffer {
  let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${host}:${port}\r\n`;
  for (const [name, value] of Object.entries(request.headers)) head += `${name}: ${value}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/**
 * A load generator as cheap as the bench can make it in Node (as wrk is in C): requests are serialized before
 * the clock starts and answers are parsed only as far as the status line and Content-Length, so on a 2-core
 * machine the client leaves the relay most of the CPU that node:http's client would take. Bodiless requests
 * only; answers must carry Content-Length (Fastify's do).
 */
export async function driveRawLoad(parameters: DriveRawLoadParameters): Promise<DriveRawLoadReturnType> {
  const { host, port, requests } = parameters;
  const wire = requests.map((request) => serialize(host, port, request));
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const sockets: Socket[] = [];
  const start = performance.now();
  const connection = () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      sockets.push(socket);
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const sendNext = () => {
        if (next >= wire.length) {
          socket.end();
          resolve();
          return;
        }
        sentAt = performance.now();
        socket.write(wire[next++]!);
      };
      socket.on('connect', sendNext);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        for (;;) {
          const headEnd = pending.indexOf(CRLF);
          if (headEnd < 0) return;
          const head = pending.toString('latin1', 0, headEnd);
          const status = Number(head.slice(9, 12));
          const length = /\r\ncontent-length: *(\d+)/i.exec(head);
          if (!length) {
            reject(new Error(`answer without Content-Length: ${head.slice(0, 200)}`));
            socket.destroy();
            return;
          }
          const end = headEnd + 4 + Number(length[1]);
          if (pending.length < end) return;
          pending = pending.subarray(end);
          latencies.push(performance.now() - sentAt);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          sendNext();
        }
      });
    });
  try {
    await Promise.all(Array.from({ length: parameters.connections }, connection));
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { seconds, latencies, statuses };
}
