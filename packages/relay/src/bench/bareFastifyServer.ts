/**
 * The baselines of the bench's HTTP figures, in their own process(es) with the relay's worker count:
 * - a bare Fastify app (no plugins, no hooks, logging off) with one GET route answering a JSON body of about the
 *   size of the relay's small answers: what the relay adds on top of it is the relay's own cost;
 * - a plain node:http server over the bench's baseline folder (`root`): `PUT /files/NAME` writes the streamed
 *   body durably (temp file, fsync, rename, folder fsync, as the relay's file store) and `GET /files/NAME`
 *   streams the file back (as the relay does): the same HTTP client and transport with no relay work at all,
 *   so the relay's upload and download figures can be told apart from the client's and the loopback's cost;
 * - `PUT /append/NAME` on that server: the body gathered in memory and appended to one open file with one
 *   vectored write, no hash, no fsync: what the relay's staged result PUT does to a pack record (which it also
 *   hashes and acknowledges unsynced), with nothing else: the lower bound of the relay's 1 MB PUT.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, open, rename, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Fastify from 'fastify';
import { serveBenchProcess } from './serveBenchProcess.js';

const { workers, root } = JSON.parse(process.argv[2] ?? '{}') as { workers?: number; root: string };
const body = { status: 'ok', padding: 'x'.repeat(120) };
const namePattern = /^\/files\/([a-z0-9.-]{1,64})$/;
const appendPattern = /^\/append\/([a-z0-9.-]{1,64})$/;
/** Append targets, kept open (as the relay keeps its pack open) and started afresh past 64 MiB (as a pack). */
const appendFiles = new Map<string, { handle: Promise<FileHandle>; size: number }>();

async function appendPut(request: http.IncomingMessage, name: string): Promise<void> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.length;
  }
  let file = appendFiles.get(name);
  if (!file || file.size > 64 * 1024 * 1024) {
    const old = file;
    file = { handle: open(join(root, name), 'w'), size: 0 };
    appendFiles.set(name, file);
    if (old) await (await old.handle).close();
  }
  file.size += length;
  await (await file.handle).writev(chunks);
}

async function durablePut(request: http.IncomingMessage, name: string): Promise<void> {
  const tmp = join(root, `tmp-${randomUUID()}`);
  // A write stream gathers the chunks that arrive while a write is in flight into one vectored write;
  // `flush` fsyncs the file before closing it.
  await pipeline(request, createWriteStream(tmp, { flush: true }));
  await rename(tmp, join(root, name));
  const folder = await open(root, 'r');
  await folder.sync();
  await folder.close();
}

async function servePlain(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const appendName = appendPattern.exec(request.url ?? '')?.[1];
  if (appendName && request.method === 'PUT') {
    await appendPut(request, appendName);
    response.writeHead(201, { 'content-length': '0' }).end();
    return;
  }
  const name = namePattern.exec(request.url ?? '')?.[1];
  if (!name) {
    response.writeHead(404).end();
    return;
  }
  if (request.method === 'PUT') {
    await durablePut(request, name);
    response.writeHead(201, { 'content-length': '0' }).end();
    return;
  }
  const path = join(root, name);
  const { size } = await stat(path);
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
  createReadStream(path, { highWaterMark: 1 << 20 }).pipe(response);
}

await serveBenchProcess({
  workers: workers ?? 1,
  start: async () => {
    const app = Fastify({ logger: false });
    app.get('/bare', async () => body);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const plain = http.createServer((request, response) => {
      servePlain(request, response).catch(() => response.destroy());
    });
    plain.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    return {
      url,
      info: { plainUrl },
      stop: async () => {
        await app.close();
        plain.closeAllConnections();
        for (const file of appendFiles.values()) await (await file.handle).close();
        await new Promise((resolve) => plain.close(resolve));
      },
    };
  },
});
