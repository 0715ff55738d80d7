import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  fetchExchange,
  type HttpExchange,
  type HttpExchangeReply,
  type HttpExchangeRequest,
} from './fetchExchange.js';
import { poolExchange } from './poolExchange.js';

const hookTimeout = { timeout: 30_000 };

/** What an exchange gave, in one comparable line. */
const show = (reply: HttpExchangeReply) =>
  `${reply.status} ${reply.statusText} salt=${reply.header('X-Verinet-Salt')} type=${reply.header('content-type')} ${Buffer.from(reply.body).toString()}`;

const failure = async (exchange: Promise<unknown>) => {
  const error = (await exchange.then(
    () => undefined,
    (e: unknown) => e,
  )) as Error | undefined;
  return error ? `${error.name}: ${error.message}` : 'no error';
};

describe('poolExchange gives what fetchExchange gives', () => {
  let url: string;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/slow') return; // never answered
      if (req.url === '/missing') {
        res.statusCode = 404;
        res.setHeader('content-type', 'application/json');
        res.end('{"error":{"code":"TASK_UNKNOWN","message":"no such task"}}');
        return;
      }
      res.setHeader('x-verinet-salt', '0x01');
      res.setHeader('content-type', 'application/octet-stream');
      res.end(`${req.method} ${req.url} ${req.headers['x-test']} ${body}`);
    });
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, hookTimeout);
  after(() => {
    server.closeAllConnections();
    server.close();
  }, hookTimeout);

  it('the same status, status text, headers and body, for a request with and without a body', async () => {
    const requests: HttpExchangeRequest[] = [
      { url: `${url}/v1/tasks/0xab/args?x=1`, method: 'GET', headers: { 'x-test': 'a' }, timeoutMs: 5_000 },
      {
        url: `${url}/v1/args/0xcd`,
        method: 'PUT',
        headers: { 'x-test': 'b', 'content-type': 'application/octet-stream' },
        body: new TextEncoder().encode('bytes'),
        timeoutMs: 5_000,
      },
      { url: `${url}/missing`, method: 'GET', headers: {}, timeoutMs: 5_000 },
    ];
    for (const request of requests) {
      const expected = show(await fetchExchange(request));
      assert.equal(show(await poolExchange(request)), expected);
    }
    assert.equal(
      show(await poolExchange({ url: `${url}/missing`, method: 'GET', headers: {}, timeoutMs: 5_000 })),
      '404 Not Found salt=undefined type=application/json {"error":{"code":"TASK_UNKNOWN","message":"no such task"}}',
    );
  });

  it('a late answer fails with a TimeoutError after timeoutMs, an unreachable server with its cause', async () => {
    for (const exchange of [fetchExchange, poolExchange] as HttpExchange[]) {
      const started = Date.now();
      assert.equal(
        await failure(exchange({ url: `${url}/slow`, method: 'GET', headers: {}, timeoutMs: 200 })),
        `TimeoutError: GET ${url}/slow: no answer within 200 ms`,
      );
      assert.ok(Date.now() - started < 3_000);
      const refused = await failure(
        exchange({ url: 'http://127.0.0.1:1/x', method: 'GET', headers: {}, timeoutMs: 2_000 }),
      );
      assert.doesNotMatch(refused, /^TimeoutError/);
    }
  });
});
