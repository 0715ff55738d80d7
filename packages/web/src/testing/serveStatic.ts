import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
};

/** Forwards one request (a reverse proxy, as a static host in front of the relay would be). */
async function proxy(request: IncomingMessage, response: ServerResponse, target: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
      headers.set(name, value);
  }
  try {
    const upstream = await fetch(target, {
      method: request.method ?? 'GET',
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const out: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name))
        out[name] = value;
    });
    response.writeHead(upstream.status, out);
    response.end(Buffer.from(await upstream.arrayBuffer()));
  } catch {
    response.writeHead(502, { 'content-type': 'text/plain' }).end('upstream unreachable');
  }
}

export type StaticServer = { url: string; close(): Promise<void> };

/**
 * Serves a built UI on 127.0.0.1 for the browser tests that run without the bridge, with extra JSON routes
 * (e.g. /ui-config.json). Paths cannot escape `root`.
 */
export async function serveStatic(
  root: string,
  json: Record<string, unknown> = {},
  proxies: Record<string, string> = {},
): Promise<StaticServer> {
  const server: Server = createServer(async (request, response) => {
    const url = request.url ?? '/';
    for (const [prefix, target] of Object.entries(proxies)) {
      if (url.startsWith(`${prefix}/`)) {
        await proxy(request, response, `${target}${url.slice(prefix.length)}`);
        return;
      }
    }
    const path = decodeURIComponent(new URL(url, 'http://x').pathname);
    if (path in json) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(json[path]));
      return;
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(normalize(root))) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
