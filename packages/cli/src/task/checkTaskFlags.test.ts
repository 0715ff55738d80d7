import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../cli/errors.js';
import { buildLlmArgs } from './buildTaskArgs.js';
import { checkTaskFlags } from './checkTaskFlags.js';
import { parseFee } from './parseFee.js';

const devnet = {
  models: ['verinet/tiny-gpt2', 'verinet/tiny-sd'],
  modelTypes: { 'verinet/tiny-gpt2': 'llm', 'verinet/tiny-sd': 'sd' } as const,
};

function refusal(run: () => void): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.shortMessage;
  }
  throw new Error('accepted');
}

test('a known model of the other type is refused before paying, naming the ones that fit', () => {
  assert.equal(
    refusal(() => checkTaskFlags({ type: 'llm', model: 'verinet/tiny-sd' }, devnet)),
    '--model verinet/tiny-sd is an image (sd) model; --type llm needs one of: verinet/tiny-gpt2.',
  );
  assert.equal(
    refusal(() => checkTaskFlags({ type: 'sd', model: 'verinet/tiny-gpt2' }, devnet)),
    '--model verinet/tiny-gpt2 is a language (llm) model; --type sd needs one of: verinet/tiny-sd.',
  );
  assert.match(
    refusal(() =>
      checkTaskFlags(
        { type: 'sd', model: 'verinet/tiny-gpt2' },
        { ...devnet, models: ['verinet/tiny-gpt2'] },
      ),
    ),
    /--type sd needs an image \(sd\) model, and the devnet's nodes hold none\.$/,
  );
  checkTaskFlags({ type: 'llm', model: 'verinet/tiny-gpt2' }, devnet);
  checkTaskFlags({ type: 'sd', model: 'verinet/tiny-sd' }, devnet);
  // A network file without types (written before they were recorded) or a configured network: no guess.
  checkTaskFlags({ type: 'llm', model: 'verinet/tiny-sd' }, { models: devnet.models, modelTypes: {} });
  checkTaskFlags({ type: 'llm', model: 'any/model' }, { models: [], modelTypes: {} });
});

test('an unknown model is refused with the list the devnet holds', () => {
  assert.equal(
    refusal(() => checkTaskFlags({ type: 'llm', model: 'nope' }, devnet)),
    "--model nope: the devnet's nodes hold no such model; they hold verinet/tiny-gpt2, verinet/tiny-sd.",
  );
});

test('flags of the other task type are refused in one line, not silently ignored', () => {
  assert.equal(
    refusal(() => checkTaskFlags({ type: 'sd', maxTokens: 5 }, devnet)),
    '--max-tokens is for --type llm only, not --type sd.',
  );
  assert.equal(
    refusal(() => checkTaskFlags({ type: 'llm', size: '64x64', steps: 2, out: 'x' }, devnet)),
    '--steps, --size, --out are for --type sd only, not --type llm.',
  );
  checkTaskFlags({ type: 'sd', size: '64x64', steps: 2, images: 1, negative: 'x', out: 'x' }, devnet);
  checkTaskFlags({ type: 'llm', maxTokens: 5, messages: 'm.json' }, devnet);
});

test('an empty or blank LLM prompt is refused before anything is paid', () => {
  for (const prompt of ['', '  \n\t']) {
    assert.equal(
      refusal(() => buildLlmArgs({ prompt }, ['verinet/tiny-gpt2'])),
      '--prompt is empty: write the message the model should answer.',
    );
  }
  assert.deepEqual(buildLlmArgs({ prompt: 'hi' }, ['verinet/tiny-gpt2']).messages, [
    { role: 'user', content: 'hi' },
  ]);
});

test('--fee 0 names the flag', () => {
  assert.equal(
    refusal(() => parseFee('0')),
    "--fee 0: the fee must be more than 0 (omit --fee to pay the chain's going price).",
  );
  assert.equal(refusal(() => parseFee('0gwei')).split(':')[0], '--fee 0gwei');
  assert.equal(parseFee('50gwei'), 50_000_000_000n);
});
