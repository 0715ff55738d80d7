import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Anvil, startAnvil } from '@verinet/cli/src/anvil/startAnvil.js';
import { createPublicClient, http, type PublicClient, type Transport } from 'viem';
import { getBatchingTransport } from '../chain/getBatchingTransport.js';
import { poolHttp, poolHttpFactory } from './poolHttp.js';

const hookTimeout = { timeout: 60_000 };

/** What a failed read raised: its class, code, status and first message line (what callers match on). */
async function failure(read: Promise<unknown>): Promise<string> {
  const error = (await read.then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { code?: unknown; status?: unknown; shortMessage?: string }) | undefined;
  if (!error) return 'no error';
  return `${error.name} code=${String(error.code)} status=${String(error.status)}: ${error.shortMessage ?? error.message.split('\n')[0]}`;
}

/** A failure's whole message but its `Details:` line (the HTTP client's own words for a refused connection). */
async function fullFailure(read: Promise<unknown>): Promise<string> {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  return error ? `${error.name}: ${error.message.replace(/\nDetails: [^\n]*/, '')}` : 'no error';
}

const client = (transport: Transport) => createPublicClient({ transport, cacheTime: 0 }) as PublicClient;

/** An HTTP server answering each request with `answer`; counts the requests and the TCP connections it got. */
async function startServer(
  answer: (body: string, req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; requests: string[]; connections: () => number }> {
  const requests: string[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push(body);
      answer(body, req, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    requests,
    connections: () => connections,
  };
}

/** Answers every JSON-RPC item (single or batch) with its id and `0x10`. */
const echo = (body: string, _req: IncomingMessage, res: ServerResponse) => {
  const parsed = JSON.parse(body) as { id: number } | { id: number }[];
  const answer = (item: { id: number }) => ({ jsonrpc: '2.0', id: item.id, result: '0x10' });
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)));
};

describe('poolHttp against anvil: the same answers and errors as viem http', () => {
  let anvil: Anvil;
  before(async () => {
    anvil = await startAnvil();
  }, hookTimeout);
  after(() => anvil?.stop(), hookTimeout);

  it('answers reads, batched within a tick, and raises the JSON-RPC errors viem http raises', async () => {
    const pooled = client(poolHttp(anvil.rpcUrl, { retryCount: 0, batch: { batchSize: 100 } }));
    const plain = client(http(anvil.rpcUrl, { retryCount: 0 }));
    const [chainId, block, balance] = await Promise.all([
      pooled.getChainId(),
      pooled.getBlockNumber(),
      pooled.getBalance({ address: `0x${'00'.repeat(20)}` }),
    ]);
    assert.equal(chainId, await plain.getChainId());
    assert.equal(block, await plain.getBlockNumber());
    assert.equal(balance, await plain.getBalance({ address: `0x${'00'.repeat(20)}` }));
    const unknownMethod = { method: 'eth_noSuchMethod', params: [] } as never;
    const badParams = { method: 'eth_getBalance', params: ['0x1234'] } as never;
    for (const request of [unknownMethod, badParams]) {
      const expected = await failure(plain.request(request));
      assert.match(expected, /code=-32/);
      assert.equal(await failure(pooled.request(request)), expected);
    }
  });

  it('fails like viem http while anvil is down and works again once it is back on its port', async () => {
    const port = anvil.port;
    const pooled = client(poolHttp(anvil.rpcUrl, { retryCount: 0 }));
    const plain = client(http(anvil.rpcUrl, { retryCount: 0 }));
    await pooled.getBlockNumber();
    await anvil.stop();
    const expected = await failure(plain.getBlockNumber());
    assert.match(expected, /^HttpRequestError code=undefined status=undefined: HTTP request failed/);
    assert.equal(await failure(pooled.getBlockNumber()), expected);
    const whole = await fullFailure(plain.getBlockNumber());
    assert.match(whole, new RegExp(`URL: http://127.0.0.1:${port}/`));
    assert.equal(await fullFailure(pooled.getBlockNumber()), whole);
    anvil = await startAnvil({ port });
    assert.equal(await pooled.getBlockNumber(), 0n);
  });
});

describe('poolHttp: answers an RPC gives that anvil does not', () => {
  it('an RPC refusing batches: getBatchingTransport asks alone and gets the answer', async () => {
    const rpc = await startServer((body, req, res) => {
      if (body.startsWith('[')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'no batches' } }));
        return;
      }
      echo(body, req, res);
    });
    try {
      const reads = client(getBatchingTransport(rpc.url, 5_000, poolHttpFactory));
      assert.equal(await reads.getBlockNumber(), 16n);
      // Refused once: the URL is asked one request at a time from then on.
      assert.deepEqual((await Promise.all([reads.getBlockNumber(), reads.getChainId()])).map(String), [
        '16',
        '16',
      ]);
      assert.equal(rpc.requests.filter((body) => body.startsWith('[')).length, 1);
    } finally {
      rpc.server.close();
    }
  });

  it('a batch answered with something other than an array is refused, then asked alone', async () => {
    const rpc = await startServer((body, req, res) => {
      if (body.startsWith('[')) {
        res.end('{"hello":"proxy"}');
        return;
      }
      echo(body, req, res);
    });
    try {
      const reads = client(getBatchingTransport(rpc.url, 5_001, poolHttpFactory));
      assert.equal(await reads.getBlockNumber(), 16n);
    } finally {
      rpc.server.close();
    }
  });

  it('an HTTP error status and a late answer fail as in viem http (HttpRequestError, TimeoutError)', async () => {
    const rpc = await startServer((body, _req, res) => {
      if (body.includes('eth_blockNumber')) {
        res.statusCode = 502;
        res.end('<html>bad gateway</html>');
      }
      // eth_chainId: never answered
    });
    try {
      const messages: string[] = [];
      for (const [transport, timeout] of [
        [poolHttp, 300],
        [http, 300],
      ] as const) {
        const reads = client(transport(rpc.url, { retryCount: 0, timeout }));
        const started = Date.now();
        const late = await failure(reads.getChainId());
        assert.ok(Date.now() - started < 3_000);
        assert.equal(
          late,
          'TimeoutError code=undefined status=undefined: The request took too long to respond.',
        );
        assert.equal(
          await failure(reads.getBlockNumber()),
          'HttpRequestError code=undefined status=502: HTTP request failed.',
        );
        messages.push((await fullFailure(reads.getChainId())) + (await fullFailure(reads.getBlockNumber())));
      }
      assert.equal(messages[0], messages[1], 'the same whole messages (URL, request body, details)');
    } finally {
      rpc.server.closeAllConnections();
      rpc.server.close();
    }
  });

  it('a server closing idle keep-alive sockets: the next request opens a new one', async () => {
    const rpc = await startServer(echo);
    try {
      const reads = client(poolHttp(rpc.url, { retryCount: 0 }));
      for (let i = 0; i < 10; i++) assert.equal(await reads.getBlockNumber(), 16n);
      // undici opens a second socket when the next request leaves before the first socket is marked free.
      const kept = rpc.connections();
      assert.ok(kept <= 2, `10 requests in a row over ${kept} connections`);
      // The server closing its idle sockets (its keep-alive timer firing) while the pool holds them.
      rpc.server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await reads.getBlockNumber(), 16n);
      assert.equal(rpc.connections(), kept + 1, 'a new socket after the server closed the idle ones');
      // The server dropping every connection at once (a restart), at no particular moment.
      rpc.server.closeAllConnections();
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await reads.getBlockNumber(), 16n);
      assert.equal(rpc.connections(), kept + 2);
    } finally {
      rpc.server.close();
    }
  });
});
