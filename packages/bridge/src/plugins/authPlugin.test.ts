/**
 * Regressions of the adversarial review: API-key checks follow the route the router matched (percent-escaped
 * paths reached the handlers without a key, answered 500), and a request with no canonical JSON form is a 400.
 * Then the bounds a client cannot push past: body and argument sizes (the relay's 4 MiB), unfinished jobs per
 * key, event streams per job and per key (given back on disconnect).
 * The bridge is built in-process over an in-memory store; no job reaches a network (the runner is inert).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { buildBridge } from '../app/buildBridge.js';
import type { BridgeContext } from '../app/context.js';
import { createBridgeMetrics } from '../app/createBridgeMetrics.js';
import { createFollowerLimiter } from '../app/createFollowerLimiter.js';
import { bridgeConfigSchema } from '../config/bridgeConfig.js';
import { addApiKey } from '../keys/addApiKey.js';
import { createSqliteJobStore } from '../store/createSqliteJobStore.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 60_000 };
const teardownTimeout = { timeout: 60_000 };

describe('bridge authentication and request hygiene', () => {
  const store = createSqliteJobStore(':memory:');
  let app: Awaited<ReturnType<typeof buildBridge>>;
  let key: string;
  const followers = createFollowerLimiter({ perJob: 2, perKey: 3 });

  before(async () => {
    const context = {
      config: bridgeConfigSchema.parse({
        rpcUrl: 'http://127.0.0.1:1',
        relayUrl: 'http://127.0.0.1:2',
        deploymentFile: 'deployment.json',
        models: [
          { id: 'tiny', type: 'llm' },
          { id: 'tiny-sd', type: 'sd' },
        ],
        // As against a relay that takes 3 MiB of arguments (limits.argsBytes), under the 4 MiB body limit.
        limits: { argsBytes: 3 << 20, unfinishedJobsPerKey: 2, followersPerJob: 2, followersPerKey: 3 },
      }),
      store,
      runner: {
        submit() {},
        // A job never ends here: a waiting request waits until its client goes away.
        waitForJob: (_id: string, signal: AbortSignal) =>
          new Promise((resolve) => signal.addEventListener('abort', () => resolve(undefined))),
        stopping: () => false,
        watch: () => () => {},
        running: () => 0,
      },
      metrics: createBridgeMetrics(),
      followers,
      log: pino({ level: 'silent' }),
      fees: async () => 1n,
      checkArgs: undefined,
      urlSecret: Buffer.alloc(32),
      info: {
        chainId: 31337,
        rpcUrl: 'http://127.0.0.1:1',
        relayUrl: 'http://127.0.0.1:2',
        contracts: { taskManager: '0x', nodeRegistry: '0x' },
        wallet: '0x',
        explorerUrl: null,
      },
      state: { ready: true },
    } as unknown as BridgeContext;
    app = await buildBridge({ context } as never);
    key = (await addApiKey(store, { name: 'test' }, {} as never)).key;
  }, setupTimeout);
  after(async () => {
    await app.close();
  }, teardownTimeout);

  const chat = { model: 'tiny', messages: [{ role: 'user', content: 'hi' }] };
  for (const [method, url, payload] of [
    ['POST', '/v1/chat/completions', chat],
    ['POST', '/%761/chat/completions', chat],
    ['GET', '/%61pi/tasks', undefined],
    ['POST', '/%61pi/tasks', { type: 'llm', args: chat }],
  ] as const) {
    it(`${method} ${url} without a key is 401 invalid_api_key`, async () => {
      const response = await app.inject({ method, url, payload });
      assert.equal(response.statusCode, 401, response.body);
      assert.equal(response.json().error.code, 'invalid_api_key');
    });
  }

  it('a lone surrogate in a chat request is a 400 naming the problem, not a 500', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: '{"model":"tiny","messages":[{"role":"user","content":"hi"}],"user":"\\ud800"}',
    });
    assert.equal(response.statusCode, 400, response.body);
  });

  const auth = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

  it("a body over the relay's 4 MiB is a 413 naming the limit; so are arguments over it", async () => {
    const big = { model: 'tiny', messages: [{ role: 'user', content: 'x'.repeat(4 << 20) }] };
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: auth(),
      payload: JSON.stringify(big),
    });
    assert.equal(response.statusCode, 413, response.body);
    assert.equal(response.json().error.code, 'body_too_large');
    assert.match(response.json().error.message, /4194304 bytes \(limits\.jsonBodyBytes\)/);
    // Under the body limit, over the relay's argument limit: refused before anything is stored or sent.
    const wide = await app.inject({
      method: 'POST',
      url: '/api/tasks',
      headers: auth(),
      payload: {
        type: 'llm',
        args: { model: 'tiny', messages: [{ role: 'user', content: 'y'.repeat(3.5 * 2 ** 20) }] },
      },
    });
    assert.equal(wide.statusCode, 413, wide.body);
    assert.match(wide.json().error.message, /at most 3145728 \(limits\.argsBytes/);
    assert.equal((await store.listJobs((await store.listKeys())[0]?.id ?? '', { limit: 10 })).length, 0);
  });

  let jobIds: string[] = [];
  let url = '';
  it('a key may have only so many jobs unfinished: then 429 too_many_jobs', async () => {
    const create = (content: string) =>
      app.inject({
        method: 'POST',
        url: '/api/tasks',
        headers: auth(),
        payload: { type: 'llm', args: { model: 'tiny', messages: [{ role: 'user', content }] } },
      });
    const first = await create('one');
    const second = await create('two');
    assert.equal(first.statusCode, 202, first.body);
    assert.equal(second.statusCode, 202, second.body);
    jobIds = [first.json().id, second.json().id];
    const third = await create('three');
    assert.equal(third.statusCode, 429, third.body);
    assert.equal(third.json().error.code, 'too_many_jobs');
    assert.ok(third.headers['retry-after']);
  });

  it('event streams are bounded per job and per key, and a closed one frees its place', async () => {
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    const follow = async (id: string) => {
      const abort = new AbortController();
      const response = await fetch(`${url}/api/tasks/${id}/events`, {
        headers: { authorization: `Bearer ${key}` },
        signal: abort.signal,
      });
      return { response, abort };
    };
    const [a, b] = jobIds as [string, string];
    const open = [await follow(a), await follow(a)];
    for (const f of open) assert.equal(f.response.status, 200);
    const third = await follow(a);
    assert.equal(third.response.status, 429);
    assert.equal(
      ((await third.response.json()) as { error: { code: string } }).error.code,
      'too_many_followers',
    );
    open.push(await follow(b));
    assert.equal(open[2]?.response.status, 200);
    const overKey = await follow(b);
    assert.equal(overKey.response.status, 429, 'the key has 3 streams open');
    await overKey.response.body?.cancel();
    open[0]?.abort.abort();
    // The server sees the disconnect and gives the place back.
    let again = await follow(a);
    for (let i = 0; i < 50 && again.response.status === 429; i++) {
      await again.response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await follow(a);
    }
    assert.equal(again.response.status, 200);
    again.abort.abort();
    for (const f of open) f.abort.abort();
  });

  it('retries of one request (same Idempotency-Key) wait for one job: bounded too', async () => {
    const other = (await addApiKey(store, { name: 'retries' }, {} as never)).key;
    const waiting: AbortController[] = [];
    // Streamed, so that an accepted request answers its headers at once and then waits for the job.
    const ask = async () => {
      const abort = new AbortController();
      waiting.push(abort);
      return fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${other}`,
          'content-type': 'application/json',
          'idempotency-key': 'same',
        },
        body: JSON.stringify({ ...chat, stream: true }),
        signal: abort.signal,
      });
    };
    const first = await ask();
    const second = await ask();
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(first.headers.get('x-verinet-job-id'), second.headers.get('x-verinet-job-id'), 'one job');
    const third = await ask();
    assert.equal(third.status, 429);
    assert.equal(((await third.json()) as { error: { code: string } }).error.code, 'too_many_followers');
    waiting[0]?.abort();
    let again = await ask();
    for (let i = 0; i < 50 && again.status === 429; i++) {
      await again.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await ask();
    }
    assert.equal(again.status, 200, 'a waiter that left gave its place back');
    for (const abort of waiting) abort.abort();
  });

  it('an OpenAI request refused for want of a follower place leaves no job behind (it would run and be charged)', async () => {
    const { id, key: full } = await addApiKey(store, { name: 'followers full' }, {} as never);
    const leave = [0, 1, 2].map((n) => followers.enter(`elsewhere-${n}`, id));
    // (Images take the same path; this bridge serves only a chat model.)
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${full}`, 'content-type': 'application/json' },
      payload: chat,
    });
    assert.equal(response.statusCode, 429, response.body);
    assert.equal(response.json().error.code, 'too_many_followers');
    assert.deepEqual(await store.listJobs(id, { limit: 10 }), [], 'no job was created');
    for (const give of leave) give();
  });

  it('a `[]` or `null` body is a 400 saying the request body must be a JSON object', async () => {
    for (const url of ['/v1/chat/completions', '/v1/images/generations', '/api/tasks'])
      for (const payload of ['[]', 'null']) {
        const response = await app.inject({ method: 'POST', url, headers: auth(), payload });
        assert.equal(response.statusCode, 400, `${url} ${payload}: ${response.body}`);
        assert.equal(
          response.json().error.message,
          'The request body must be a JSON object.',
          `${url} ${payload}`,
        );
      }
  });

  it('an empty image prompt is refused before any job (it would be paid for)', async () => {
    const { id, key: own } = await addApiKey(store, { name: 'empty prompt' }, {} as never);
    const headers = { authorization: `Bearer ${own}`, 'content-type': 'application/json' };
    for (const [url, payload, param] of [
      ['/v1/images/generations', { prompt: '' }, 'prompt'],
      ['/v1/images/generations', { prompt: ' \n\t' }, 'prompt'],
      ['/api/tasks', { type: 'sd', args: { base_model: 'tiny-sd', prompt: '  ' } }, 'args.prompt'],
    ] as const) {
      const response = await app.inject({ method: 'POST', url, headers, payload });
      assert.equal(response.statusCode, 400, response.body);
      const { error } = response.json();
      assert.equal(error.param, param);
      assert.match(error.message, /is empty: describe the image/);
    }
    assert.deepEqual(await store.listJobs(id, { limit: 10 }), [], 'no job was created');
  });
});
