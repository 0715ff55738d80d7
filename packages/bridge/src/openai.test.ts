/**
 * The OpenAI-compatible API through the official `openai` client (unchanged, only baseURL and apiKey), and
 * raw HTTP, against a real network: anvil + contracts, the real relay, a real node on tiny models.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import OpenAI from 'openai';
import { privateKeyToAccount } from 'viem/accounts';
import { type StartedBridge, startBridge } from './cli/startBridge.js';
import type { JobView } from './jobs/toJobView.js';
import { startTestNetwork, type TestNetwork } from './test/startTestNetwork.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let network: TestNetwork;
let bridge: StartedBridge;
let openai: OpenAI;
let key: string;

before(async () => {
  network = await startTestNetwork();
  bridge = await startBridge({
    port: 0,
    rpcUrl: network.devnet.anvil.rpcUrl,
    relayUrl: network.relay.url,
    deploymentFile: network.deploymentFile,
    privateKey: network.walletKey,
    sqlitePath: join(network.dir, 'bridge.db'),
    logLevel: 'silent',
    env: {},
    overrides: {
      models: network.models,
      modelsDir: network.modelsDir,
      pollIntervalMs: 100,
      'limits.waitSeconds': 240,
    },
  });
  key = (await bridge.createApiKey('test')).key;
  openai = new OpenAI({ baseURL: `${bridge.url}/v1`, apiKey: key, maxRetries: 0, timeout: 300_000 });
}, setupTimeout);
after(async () => {
  await bridge?.close();
  await network?.stop();
}, teardownTimeout);

const messages = [
  { role: 'developer' as const, content: 'Answer briefly.' },
  { role: 'user' as const, content: 'Hello there' },
];

describe('the bridge with the openai client on a real network', { timeout: 600_000 }, () => {
  test('models lists what the bridge offers', async () => {
    const list = await openai.models.list();
    assert.deepEqual(
      list.data.map((m) => m.id),
      ['tiny-chat', 'tiny-sd'],
    );
    assert.equal((await openai.models.retrieve('tiny-chat')).id, 'tiny-chat');
  });

  let plainContent = '';
  test('chat: a validated completion, with the protocol status of its job', async () => {
    const { data: completion, response } = await openai.chat.completions
      .create({ model: 'tiny-chat', messages, temperature: 0, max_tokens: 6, seed: 3 })
      .withResponse();
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'tiny-chat');
    assert.equal(completion.choices[0]?.message.role, 'assistant');
    assert.equal(typeof completion.choices[0]?.message.content, 'string');
    assert.ok(['stop', 'length'].includes(completion.choices[0]?.finish_reason as string));
    assert.ok((completion.usage?.completion_tokens ?? 0) >= 1);
    plainContent = completion.choices[0]?.message.content ?? '';

    const jobId = response.headers.get('x-verinet-job-id');
    assert.match(jobId ?? '', /^job_[0-9a-f]{32}$/);
    const job = (await fetch(`${bridge.url}/api/tasks/${jobId}`, {
      headers: { authorization: `Bearer ${key}` },
    }).then((r) => r.json())) as JobView;
    const args = job.args as { messages: { role: string }[]; generation_config: { do_sample?: boolean } };
    assert.equal(job.status, 'succeeded');
    assert.equal(args.messages[0]?.role, 'system', 'developer became system');
    assert.equal(args.generation_config.do_sample, false, 'temperature 0 is greedy');
    for (const step of ['created', 'node', 'scored', 'validated', 'paid'] as const)
      assert.ok(job.steps[step]?.at, step);
    assert.equal(job.steps.sampled?.value, false);
    assert.match(job.steps.created?.txHash ?? '', /^0x[0-9a-f]{64}$/);
    assert.equal(job.tasks.length, 1);
    assert.match(job.tasks[0]?.taskKey ?? '', /^0x[0-9a-f]{64}$/);
    assert.match(job.tasks[0]?.node ?? '', /^0x[0-9a-fA-F]{40}$/);
    assert.ok((job.timings?.totalMs ?? 0) > 0 && (job.timings?.executionMs ?? -1) >= 0);
    // One task, validated alone and paid: the key is charged the one fee the wallet paid.
    assert.equal(job.charged, job.fee);
    // No fees configured: the SDK's default rule, the going price within [minFee, 10 × minFee] (was 0.001 ETH).
    const minFee = (await network.devnet.client.readContract({
      address: network.devnet.deployment.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'minFee',
    })) as bigint;
    const fee = BigInt(job.fee ?? '0');
    assert.ok(fee >= minFee && fee <= 10n * minFee, `fee ${fee} outside [${minFee}, ${10n * minFee}]`);
  });

  test('chat streaming: server-sent chunks that add up to the same (deterministic) answer', async () => {
    const stream = await openai.chat.completions.create({
      model: 'tiny-chat',
      messages,
      temperature: 0,
      max_tokens: 6,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let finish: string | null = null;
    let usage: unknown = null;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      content += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(content, plainContent);
    assert.ok(finish === 'stop' || finish === 'length');
    assert.ok(usage);
  });

  test('images: b64_json and url give the same validated PNGs for the same seed', async () => {
    const request = { model: 'tiny-sd', prompt: 'a red square', n: 2, size: '64x64', steps: 2, seed: 11 };
    const b64 = await openai.images.generate({ ...request, response_format: 'b64_json' } as never);
    assert.equal(b64.data?.length, 2);
    const pngs = (b64.data ?? []).map((d) => Buffer.from(d.b64_json as string, 'base64'));
    for (const png of pngs) {
      // PNG signature, then the IHDR width and height.
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      assert.equal(png.readUInt32BE(16), 64);
      assert.equal(png.readUInt32BE(20), 64);
    }
    const byUrl = await openai.images.generate({ ...request, response_format: 'url' } as never);
    const url = byUrl.data?.[0]?.url as string;
    // The signed URL needs no API key, as OpenAI's do.
    const fetched = Buffer.from(await (await fetch(url)).arrayBuffer());
    assert.deepEqual(fetched, pngs[0]);
    const forged = url.replace(/signature=[^&]+/, 'signature=AAAA');
    assert.equal((await fetch(forged)).status, 404);
  });

  test('errors are OpenAI-shaped 4xx naming the problem', async () => {
    await assert.rejects(
      new OpenAI({ baseURL: `${bridge.url}/v1`, apiKey: 'vn_wrong', maxRetries: 0 }).models.list(),
      (error: unknown) => error instanceof OpenAI.AuthenticationError && error.status === 401,
    );
    await assert.rejects(
      openai.chat.completions.create({ model: 'gpt-4o', messages }),
      (error: unknown) =>
        error instanceof OpenAI.NotFoundError && error.code === 'model_not_found' && error.param === 'model',
    );
    await assert.rejects(
      openai.chat.completions.create({ model: 'tiny-chat', messages, n: 2 }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError && error.param === 'n' && /not supported/.test(error.message),
    );
    await assert.rejects(
      openai.chat.completions.create({
        model: 'tiny-chat',
        messages,
        tools: [{ type: 'function', function: { name: 'f' } }],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'tools',
    );
    await assert.rejects(
      openai.images.generate({ model: 'tiny-sd', prompt: 'x', size: '1001x1001' as never }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'size',
    );
    await assert.rejects(
      openai.images.generate({ model: 'tiny-sd', prompt: 'x', n: 4, seed: 2 ** 31 - 2 } as never),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'seed',
    );
    // Spend limit below one fee: refused before anything is sent on chain.
    const poor = await bridge.createApiKey('poor', { spendLimitWei: 1n });
    await assert.rejects(
      new OpenAI({ baseURL: `${bridge.url}/v1`, apiKey: poor.key, maxRetries: 0 }).chat.completions.create({
        model: 'tiny-chat',
        messages,
      }),
      (error: unknown) => error instanceof OpenAI.RateLimitError && error.code === 'insufficient_quota',
    );
    // Per-key rate limit.
    const slow = await bridge.createApiKey('slow', { requestsPerMinute: 2 });
    const slowClient = new OpenAI({ baseURL: `${bridge.url}/v1`, apiKey: slow.key, maxRetries: 0 });
    await slowClient.models.list();
    await slowClient.models.list();
    await assert.rejects(
      slowClient.models.list(),
      (error: unknown) => error instanceof OpenAI.RateLimitError && error.code === 'rate_limit_exceeded',
    );
  });

  test('an over-long prompt or invalid arguments: a 4xx naming the problem, and nothing paid', async () => {
    const wallet = privateKeyToAccount(network.walletKey).address;
    const nonce = () => network.devnet.client.getTransactionCount({ address: wallet });
    const jobs = async () =>
      (
        (await fetch(`${bridge.url}/api/tasks`, { headers: { authorization: `Bearer ${key}` } }).then((r) =>
          r.json(),
        )) as { data: unknown[] }
      ).data.length;
    const [nonceBefore, jobsBefore] = [await nonce(), await jobs()];
    // The trial's case (120k characters), refused from its length alone; and one just past the 512-token
    // context of tiny-gpt2, counted with its tokenizer.
    for (const [content, counted] of [
      ['a'.repeat(120_000), /at least \d+ tokens/],
      ['a'.repeat(600), /The prompt is \d+ tokens/],
    ] as const)
      await assert.rejects(
        openai.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content }] }),
        (error: unknown) =>
          error instanceof OpenAI.BadRequestError &&
          error.code === 'context_length_exceeded' &&
          error.param === 'messages' &&
          counted.test(error.message) &&
          /at most 511/.test(error.message),
      );
    // Streaming is refused the same way, before the event stream starts.
    await assert.rejects(
      openai.chat.completions.create({
        model: 'tiny-chat',
        messages: [{ role: 'user', content: 'a'.repeat(600) }],
        stream: true,
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'context_length_exceeded',
    );
    // The native API names its own field.
    const native = await fetch(`${bridge.url}/api/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'llm',
        args: { model: 'verinet/tiny-gpt2', messages: [{ role: 'user', content: 'a'.repeat(600) }] },
      }),
    });
    assert.equal(native.status, 400);
    const body = (await native.json()) as { error: { code: string; param: string } };
    assert.deepEqual([body.error.code, body.error.param], ['context_length_exceeded', 'args.messages']);
    assert.equal(await nonce(), nonceBefore, 'no transaction sent');
    assert.equal(await jobs(), jobsBefore, 'no job stored');
  });

  test('raw HTTP: SSE framing, malformed JSON, revoked keys, idempotency keys', async () => {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const malformed = await fetch(`${bridge.url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: '{"model":',
    });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'invalid_json');

    const body = JSON.stringify({
      model: 'tiny-chat',
      messages,
      temperature: 0,
      max_tokens: 6,
      seed: 3,
      stream: true,
    });
    const response = await fetch(`${bridge.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': 'raw-1' },
      body,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await response.text();
    const events = text.split('\n\n').filter((e) => e.startsWith('data: '));
    assert.equal(events.at(-1), 'data: [DONE]');
    const content = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.slice(6)))
      .map((c) => c.choices[0]?.delta.content ?? '')
      .join('');
    assert.equal(content, plainContent);

    // The same idempotency key is the same job (paid once); another body under it is refused.
    const again = await fetch(`${bridge.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': 'raw-1' },
      body,
    });
    assert.equal(again.headers.get('x-verinet-job-id'), response.headers.get('x-verinet-job-id'));
    await again.text();
    const conflict = await fetch(`${bridge.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': 'raw-1' },
      body: JSON.stringify({ model: 'tiny-chat', messages, seed: 4 }),
    });
    assert.equal(conflict.status, 409);
    assert.equal(((await conflict.json()) as { error: { code: string } }).error.code, 'idempotency_conflict');

    const health = await fetch(`${bridge.url}/healthz`);
    assert.equal(health.status, 200);
    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    assert.match(metrics, /bridge_jobs_finished_total\{type="llm",status="succeeded"\} [1-9]/);
  });
});
