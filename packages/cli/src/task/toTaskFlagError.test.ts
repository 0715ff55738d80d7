import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeTaskArgs, InvalidTaskArgsError } from '@verinet/protocol/args';
import { buildLlmArgs, buildSdArgs } from './buildTaskArgs.js';
import { toTaskFlagError } from './toTaskFlagError.js';

function refusal(type: 'sd' | 'llm', args: unknown): InvalidTaskArgsError {
  try {
    encodeTaskArgs(type, args);
  } catch (error) {
    if (error instanceof InvalidTaskArgsError) return error;
    throw error;
  }
  throw new Error('the arguments were accepted');
}

test('--size 100x100 is one readable sentence naming the value, not two run-together copies', () => {
  const error = refusal('sd', buildSdArgs({ prompt: 'x', size: '100x100' }, ['verinet/tiny-sd']));
  const usage = toTaskFlagError('sd', error, { messagesFile: undefined, size: '100x100' });
  assert.equal(
    usage.shortMessage,
    '--size 100x100: the width and height must each be a multiple of 8 from 64 to 2048.',
  );
  assert.equal(
    toTaskFlagError('sd', refusal('sd', buildSdArgs({ prompt: 'x', size: '64x100' }, ['verinet/tiny-sd'])), {
      size: '64x100',
    }).shortMessage,
    '--size 64x100: the height must be a multiple of 8 from 64 to 2048.',
  );
});

test('--size 99999x99999 (too big and not a multiple of 8, both sides) is one sentence naming the limit', () => {
  const error = refusal('sd', buildSdArgs({ prompt: 'x', size: '99999x99999' }, ['verinet/tiny-sd']));
  assert.equal(error.issues.length, 4);
  assert.equal(
    toTaskFlagError('sd', error, { size: '99999x99999' }).shortMessage,
    '--size 99999x99999: the width and height must each be a multiple of 8 from 64 to 2048.',
  );
  const small = refusal('sd', buildSdArgs({ prompt: 'x', size: '32x64' }, ['verinet/tiny-sd']));
  assert.equal(
    toTaskFlagError('sd', small, { size: '32x64' }).shortMessage,
    '--size 32x64: the width must be a multiple of 8 from 64 to 2048.',
  );
});

test('other flags keep their names, one line per flag', () => {
  const error = refusal(
    'llm',
    buildLlmArgs({ prompt: 'hi', maxTokens: '0' } as never, ['verinet/tiny-gpt2']),
  );
  assert.match(toTaskFlagError('llm', error, {}).shortMessage, /^--max-tokens: /);
});

test('--size -64 gets the range sentence; arguments over the size limit name --messages', () => {
  const negative = refusal('sd', buildSdArgs({ prompt: 'x', size: '-64' }, ['verinet/tiny-sd']));
  assert.equal(
    toTaskFlagError('sd', negative, { size: '-64' }).shortMessage,
    '--size -64: the width and height must each be a multiple of 8 from 64 to 2048.',
  );
  const big = refusal('llm', {
    model: 'verinet/tiny-gpt2',
    messages: [{ role: 'user', content: 'x'.repeat(5_000_000) }],
  });
  assert.match(
    toTaskFlagError('llm', big, { messagesFile: 'big.json' }).shortMessage,
    /^--messages big\.json: the task's arguments would be \d+ bytes, above the 4194304 limit\.$/,
  );
});
