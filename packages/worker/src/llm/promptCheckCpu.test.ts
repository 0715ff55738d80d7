// The prompt check runs on a long-lived service's event loop (the bridge): refusing a prompt far past the context
// must take work bounded by the context, not by the prompt (1.5 M characters took 7.5 s to tokenize whole), and a
// prompt that fits must still get the worker's exact count. The tokenizer's own encode is counted (a spy that
// calls through), so the test asserts the work done, not a wall-clock time.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AutoTokenizer, PreTrainedTokenizer } from '@huggingface/transformers';
import { parseTaskArgs } from '@verinet/protocol/args';
import { getModelDir } from '../models/getModelDir.js';
import { encodeChatPrompt } from './generateChat.js';
import type { LoadedLlm } from './loadLlm.js';
import { measureChatPrompt } from './measureChatPrompt.js';
import { tinyGpt2ModelId, writeTinyGpt2 } from './tiny/writeTinyGpt2.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const context = 32_768;
let modelsDir: string;
let tokenizedChars = 0;
const encode = PreTrainedTokenizer.prototype.encode;
before(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'prompt-cpu-'));
  await writeTinyGpt2({ modelsDir });
  // A real model's context (the tiny model's own is small enough for the quick length refusal to apply).
  const configPath = join(getModelDir(modelsDir, tinyGpt2ModelId), 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  await writeFile(configPath, JSON.stringify({ ...config, n_positions: context }));
  PreTrainedTokenizer.prototype.encode = function (this: PreTrainedTokenizer, text, options) {
    tokenizedChars += text.length;
    return encode.call(this, text, options);
  };
}, setupTimeout);
after(async () => {
  PreTrainedTokenizer.prototype.encode = encode;
  await rm(modelsDir, { recursive: true, force: true });
}, teardownTimeout);

const argsFor = (content: string) =>
  parseTaskArgs('llm', { model: tinyGpt2ModelId, messages: [{ role: 'user', content }], seed: 1 });

async function measure(content: string) {
  tokenizedChars = 0;
  const result = await measureChatPrompt({ modelsDir, args: argsFor(content) });
  assert.ok(result);
  return { ...result, tokenizedChars };
}

for (const [name, unit] of [
  ['words', 'lorem ipsum dolor sit amet, consectetur 12345 '],
  ['unbroken text', 'loremipsumdolorsitametconsectetur12345'],
] as const)
  test(`a 1.5 M-character prompt of ${name} is refused after tokenizing a bounded part of it`, async () => {
    const content = unit.repeat(Math.ceil(1_500_000 / unit.length));
    const result = await measure(content);
    assert.equal(result.atLeast, true);
    assert.ok(result.tokens >= context, `at least ${result.tokens} tokens`);
    // A few times what a context's worth of tokens spans (this tokenizer: about a character a token), not the
    // whole prompt (measured: 36,908 and 49,152 characters of 1.5 M).
    assert.ok(result.tokenizedChars < 4 * context, `${result.tokenizedChars} characters tokenized`);
  });

test('a prompt that fits (tokenized in chunks first) gets the exact count', async () => {
  const content = 'lorem ipsum dolor sit amet,  consectetur\n12345 '.repeat(450);
  const result = await measure(content);
  assert.equal(result.atLeast, undefined);
  assert.ok(result.tokenizedChars > content.length, 'counted in chunks, then whole');
  const tokenizer = await AutoTokenizer.from_pretrained(getModelDir(modelsDir, tinyGpt2ModelId));
  const exact = encodeChatPrompt({ tokenizer } as unknown as LoadedLlm, argsFor(content)).length;
  assert.equal(result.tokens, exact);
  assert.ok(exact < context);
});
