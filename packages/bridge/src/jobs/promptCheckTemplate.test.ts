// The prompt check renders the chat template, which throws the worker's InvalidTaskArgsError for arguments it
// refuses (reserved template_args keys, a template's raise_exception): submitJob answers it as a 400 naming the
// field, not a 500 internal_error.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import type { BridgeContext } from '../app/context.js';
import { BridgeError } from '../errors/BridgeError.js';
import type { ApiKeyRecord } from '../store/types.js';
import { createPromptCheck } from './createPromptCheck.js';
import { submitJob } from './submitJob.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let modelsDir: string;
before(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'prompt-template-'));
  await writeTinyGpt2({ modelsDir });
}, setupTimeout);
after(async () => rm(modelsDir, { recursive: true, force: true }), teardownTimeout);

for (const [templateArgs, param, reason] of [
  [{ tokenize: true }, 'args.template_args.tokenize', /reserved/],
  [{ chat_template: "{{ raise_exception('boom') }}" }, 'args.template_args.chat_template', /reserved/],
] as const) {
  test(`template_args ${JSON.stringify(templateArgs)} is a 400 naming ${param}, not a 500`, async () => {
    // The refusal comes before the store is touched: a context with only what submitJob reads up to there.
    const context = {
      config: { limits: { argsBytes: 1 << 20 } },
      checkArgs: {
        native: createPromptCheck({ modelsDir, param: 'args.messages' }),
        openai: createPromptCheck({ modelsDir, param: 'messages' }),
      },
    } as unknown as BridgeContext;
    const args = {
      model: 'verinet/tiny-gpt2',
      messages: [{ role: 'user', content: 'hi' }],
      template_args: templateArgs,
      seed: 1,
    };
    const error = await submitJob(context, {
      key: {} as ApiKeyRecord,
      type: 'llm',
      args,
      source: 'native',
      idempotencyKey: undefined,
      request: { type: 'llm', args },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof BridgeError, `expected a BridgeError, got ${String(error)}`);
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'invalid_value');
    assert.equal(error.param, param);
    assert.match(error.message, reason);
  });
}
