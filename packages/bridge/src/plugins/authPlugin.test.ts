/**
 * Regressions of the adversarial review: API-key checks follow the route the router matched (percent-escaped
 * paths reached the handlers without a key, answered 500), and a request with no canonical JSON form is a 400.
 * The bridge is built in-process over an in-memory store; no job reaches a network (the runner is inert).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { buildBridge } from '../app/buildBridge.js';
import type { BridgeContext } from '../app/context.js';
import { createBridgeMetrics } from '../app/createBridgeMetrics.js';
import { bridgeConfigSchema } from '../config/bridgeConfig.js';
import { addApiKey } from '../keys/addApiKey.js';
import { createSqliteJobStore } from '../store/createSqliteJobStore.js';

describe('bridge authentication and request hygiene', () => {
  const store = createSqliteJobStore(':memory:');
  let app: Awaited<ReturnType<typeof buildBridge>>;
  let key: string;

  before(async () => {
    const context = {
      config: bridgeConfigSchema.parse({
        rpcUrl: 'http://127.0.0.1:1',
        relayUrl: 'http://127.0.0.1:2',
        deploymentFile: 'deployment.json',
        models: [{ id: 'tiny', type: 'llm' }],
      }),
      store,
      runner: {
        submit() {},
        waitForJob: async () => undefined,
        stopping: () => false,
        watch: () => () => {},
        running: () => 0,
      },
      metrics: createBridgeMetrics(),
      log: pino({ level: 'silent' }),
      fees: { sd: 1n, llm: 1n },
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
  });
  after(async () => {
    await app.close();
  });

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
});
