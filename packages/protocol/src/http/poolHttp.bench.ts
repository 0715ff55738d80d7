/**
 * node --import tsx packages/protocol/src/http/poolHttp.bench.ts [--requests 4000] [--runs 5]
 *
 * CPU of the client process per HTTP request (process.cpuUsage, user + system), 20 requests in flight, against a
 * JSON-RPC echo server in a child process (its CPU is not counted): viem's `http` (WHATWG fetch) against
 * `poolHttp` (undici Pool.request), one `eth_call` per request and batched (20 per tick), and fetchExchange
 * against poolExchange for a relay-like GET of 2 KiB. Prints the median of `runs` runs and their range.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createPublicClient, http, type PublicClient } from 'viem';
import { fetchExchange, type HttpExchange } from './fetchExchange.js';
import { poolExchange } from './poolExchange.js';
import { poolHttp } from './poolHttp.js';

if (process.argv[2] === '--serve') {
  const file = Buffer.alloc(2048, 7);
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.setHeader('content-type', 'application/octet-stream');
        res.end(file);
        return;
      }
      const parsed = JSON.parse(body) as { id: number } | { id: number }[];
      const answer = (item: { id: number }) => ({
        jsonrpc: '2.0',
        id: item.id,
        result: `0x${'ab'.repeat(96)}`,
      });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)));
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
} else {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '4000' }, runs: { type: 'string', default: '5' } },
  });
  const requests = Number(values.requests);
  const runs = Number(values.runs);
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(m as number)));
  const url = `http://127.0.0.1:${port}`;
  const call = (client: PublicClient) => () =>
    client.call({ to: `0x${'11'.repeat(20)}`, data: `0x${'22'.repeat(36)}` });
  const client = (transport: ReturnType<typeof http> | ReturnType<typeof poolHttp>) =>
    createPublicClient({ transport, cacheTime: 0 }) as PublicClient;
  const get = (exchange: HttpExchange) => () =>
    exchange({
      url: `${url}/v1/tasks/0xab/result/files/a.png`,
      method: 'GET',
      headers: {},
      timeoutMs: 10_000,
    });
  const cases: [string, () => Promise<unknown>][] = [
    ['eth_call, viem http (fetch)', call(client(http(url, { retryCount: 0 })))],
    ['eth_call, poolHttp', call(client(poolHttp(url, { retryCount: 0 })))],
    ['eth_call batched, viem http (fetch)', call(client(http(url, { retryCount: 0, batch: { wait: 0 } })))],
    ['eth_call batched, poolHttp', call(client(poolHttp(url, { retryCount: 0, batch: true })))],
    ['GET 2 KiB, fetchExchange', get(fetchExchange)],
    ['GET 2 KiB, poolExchange', get(poolExchange)],
  ];
  const measure = async (run: () => Promise<unknown>) => {
    let left = requests;
    const before = process.cpuUsage();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (left-- > 0) await run();
      }),
    );
    const used = process.cpuUsage(before);
    return (used.user + used.system) / requests;
  };
  const results = new Map<string, number[]>();
  for (const [, run] of cases) await measure(run); // warm-up
  for (let i = 0; i < runs; i++)
    for (const [name, run] of cases) results.set(name, [...(results.get(name) ?? []), await measure(run)]);
  console.log(`client CPU per request, µs (median of ${runs} runs of ${requests}, range; 20 in flight)`);
  for (const [name, values] of results) {
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(
      `  ${name.padEnd(38)} ${median.toFixed(0).padStart(5)}  (${sorted[0]!.toFixed(0)}–${sorted.at(-1)!.toFixed(0)})`,
    );
  }
  child.kill();
  process.exit(0);
}
