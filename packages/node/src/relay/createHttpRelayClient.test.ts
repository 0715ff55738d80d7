import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HttpExchangeReply } from '@verinet/protocol/http';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { RelayError } from '../errors/index.js';
import { createHttpRelayClient } from './createHttpRelayClient.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 60_000 };
const teardownTimeout = { timeout: 60_000 };

// The relay's answers are scripted here because BUSY and a lost staged file cannot be forced on a real relay
// on demand; the real relay's side of both is tested in packages/relay (relay.crash, phash pool tests).
describe('createHttpRelayClient: a retried result upload', () => {
  let dir: string;
  const taskKey = `0x${'ab'.repeat(32)}` as const;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-client-'));
    await writeFile(join(dir, 'a.png'), 'a');
    await writeFile(join(dir, 'b.png'), 'b');
  }, setupTimeout);
  after(() => rm(dir, { recursive: true, force: true }), teardownTimeout);

  const reply = (status: number, body: string, headers: Record<string, string> = {}): HttpExchangeReply => ({
    status,
    statusText: '',
    header: (name) => headers[name.toLowerCase()],
    body: new TextEncoder().encode(body),
  });
  const refusal = (status: number, code: string, retryAfter?: number) =>
    reply(status, JSON.stringify({ error: { code, message: code.toLowerCase() } }), {
      'content-type': 'application/json',
      ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
    });

  it('sends the commit alone after BUSY, and the files again after RESULT_FILE_LOST', async () => {
    const calls: string[] = [];
    const commitAnswers = [
      refusal(503, 'BUSY', 2),
      refusal(409, 'RESULT_FILE_LOST', 1),
      refusal(503, 'BUSY', 2),
    ];
    const client = createHttpRelayClient({
      url: 'http://127.0.0.1:1',
      signer: privateKeyToAccount(generatePrivateKey()),
      chainId: 31337,
      taskManager: `0x${'11'.repeat(20)}`,
      exchange: async ({ url, method }) => {
        const path = new URL(url).pathname;
        calls.push(`${method} ${path.split('/').slice(-1)[0]}`);
        if (method === 'PUT') return reply(201, '{}');
        return commitAnswers.shift() ?? reply(500, '{}');
      },
    });
    const upload = {
      taskKey,
      score: `0x${'00'.repeat(8)}` as const,
      files: ['a.png', 'b.png'].map((name) => ({
        name,
        mediaType: 'image/png',
        path: join(dir, name),
        size: 1,
        sha256: name === 'a.png' ? 'aa'.repeat(32) : 'bb'.repeat(32),
      })),
    };
    const attempt = async (code: string) => {
      const error = await client.uploadResult(upload).catch((e: unknown) => e);
      assert.ok(error instanceof RelayError && error.retryable, String(error));
      assert.equal(error.code, code);
    };
    await attempt('BUSY');
    assert.deepEqual(calls.splice(0), ['PUT a.png', 'PUT b.png', 'POST commit']);
    await attempt('RESULT_FILE_LOST');
    assert.deepEqual(calls.splice(0), ['POST commit']);
    await attempt('BUSY');
    assert.deepEqual(calls.splice(0), ['PUT a.png', 'PUT b.png', 'POST commit']);
  });
});
