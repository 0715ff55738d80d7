import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_SEED } from '@verinet/protocol/args';
import type { BridgeModel } from '../config/bridgeConfig.js';
import { BridgeError } from '../errors/BridgeError.js';
import { drawSeed } from './drawSeed.js';
import { mapChatRequest } from './mapChatRequest.js';
import { mapImageRequest } from './mapImageRequest.js';

const models: BridgeModel[] = [
  { id: 'tiny-chat', type: 'llm', taskModel: 'verinet/tiny-gpt2' },
  { id: 'tiny-sd', type: 'sd' },
];
const user = { role: 'user', content: 'hi' };

function refused(run: () => unknown, code: string, param: string | null): BridgeError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof BridgeError, `expected a BridgeError, got ${error}`);
    assert.equal(error.code, code, error.shortMessage);
    assert.equal(error.param, param, error.shortMessage);
    assert.ok(error.statusCode >= 400 && error.statusCode < 500);
    return error;
  }
  assert.fail('not refused');
}

describe('chat mapping', () => {
  test('the developer role becomes system; the model id maps to its task model', () => {
    const { args } = mapChatRequest(
      { model: 'tiny-chat', messages: [{ role: 'developer', content: 'be brief' }, user] },
      { models },
    );
    assert.equal(args.model, 'verinet/tiny-gpt2');
    assert.deepEqual(args.messages[0], { role: 'system', content: 'be brief' });
  });

  test('an assistant message with tool_calls may have content null', () => {
    const { args } = mapChatRequest(
      {
        model: 'tiny-chat',
        messages: [
          user,
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: '2' },
        ],
      },
      { models },
    );
    assert.equal(args.messages[1]?.content, null);
    // …but a user message may not.
    refused(
      () => mapChatRequest({ model: 'tiny-chat', messages: [{ role: 'user', content: null }] }, { models }),
      'invalid_value',
      'messages[0].content',
    );
  });

  test('temperature 0 is greedy decoding; above 0 samples at that temperature', () => {
    const greedy = mapChatRequest({ model: 'tiny-chat', messages: [user], temperature: 0 }, { models });
    assert.deepEqual(greedy.args.generation_config, { do_sample: false });
    const sampled = mapChatRequest(
      { model: 'tiny-chat', messages: [user], temperature: 0.7, top_p: 0.9, max_tokens: 5, stop: 'x' },
      { models },
    );
    assert.deepEqual(sampled.args.generation_config, {
      do_sample: true,
      temperature: 0.7,
      top_p: 0.9,
      max_new_tokens: 5,
      stop_strings: ['x'],
    });
  });

  test('unsupported and unknown fields are refused naming the field', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ n: 2 }, 'unsupported_value', 'n'],
      [{ logprobs: true }, 'unsupported_value', 'logprobs'],
      [{ tools: [{ type: 'function', function: { name: 'f' } }] }, 'unsupported_value', 'tools'],
      [{ response_format: { type: 'json_object' } }, 'unsupported_value', 'response_format'],
      [{ frequency_penalty: 0.5 }, 'unsupported_value', 'frequency_penalty'],
      [{ reasoning_effort: 'low' }, 'unsupported_parameter', 'reasoning_effort'],
      [{ temperature: 3 }, 'invalid_value', 'temperature'],
      [{ seed: 2 ** 31 }, 'invalid_value', 'seed'],
      [{ max_tokens: 0 }, 'invalid_value', 'max_tokens'],
    ];
    for (const [extra, code, param] of cases)
      refused(
        () => mapChatRequest({ model: 'tiny-chat', messages: [user], ...extra }, { models }),
        code,
        param,
      );
    refused(
      () =>
        mapChatRequest(
          {
            model: 'tiny-chat',
            messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }],
          },
          { models },
        ),
      'unsupported_value',
      'messages[0].content[0].type',
    );
    refused(
      () => mapChatRequest({ model: 'nope', messages: [user] }, { models }),
      'model_not_found',
      'model',
    );
    refused(
      () => mapChatRequest({ model: 'tiny-sd', messages: [user] }, { models }),
      'model_not_found',
      'model',
    );
    refused(
      () => mapChatRequest({ model: 'tiny-chat' }, { models }),
      'missing_required_parameter',
      'messages',
    );
    refused(
      () =>
        mapChatRequest({ model: 'tiny-chat', messages: [{ role: 'function', content: 'x' }] }, { models }),
      'unsupported_value',
      'messages[0].role',
    );
    // A schema refusal deep in the task arguments comes back under the request's name for the field.
    refused(
      () => mapChatRequest({ model: 'tiny-chat', messages: [user], stop: ['a', ''] }, { models }),
      'invalid_value',
      'stop[1]',
    );
  });

  test('a seed is drawn when none is given, and kept when given', () => {
    const { args } = mapChatRequest({ model: 'tiny-chat', messages: [user] }, { models });
    assert.ok(Number.isInteger(args.seed) && (args.seed as number) >= 0 && (args.seed as number) <= MAX_SEED);
    assert.equal(mapChatRequest({ model: 'tiny-chat', messages: [user], seed: 7 }, { models }).args.seed, 7);
  });
});

describe('images mapping', () => {
  test('n, size, seed and the extensions map onto task_config', () => {
    const { args, responseFormat } = mapImageRequest(
      {
        prompt: 'a cat',
        n: 3,
        size: '64x128',
        seed: 5,
        steps: 2,
        cfg: 3,
        negative_prompt: 'dog',
        response_format: 'b64_json',
      },
      { models },
    );
    assert.equal(responseFormat, 'b64_json');
    assert.deepEqual(args, {
      base_model: 'tiny-sd',
      prompt: 'a cat',
      negative_prompt: 'dog',
      task_config: { image_width: 64, image_height: 128, num_images: 3, seed: 5, steps: 2, cfg: 3 },
    });
    assert.equal(mapImageRequest({ prompt: 'x' }, { models }).responseFormat, 'url');
  });

  test('seeds stay within the schema range including seed + n − 1', () => {
    for (let i = 0; i < 2000; i++) {
      const n = 1 + (i % 10);
      const seed = drawSeed(n);
      assert.ok(seed >= 0 && seed + n - 1 <= MAX_SEED, `seed ${seed} n ${n}`);
    }
    const { args } = mapImageRequest({ prompt: 'x', n: 10 }, { models });
    assert.ok((args.task_config?.seed as number) + 9 <= MAX_SEED);
    assert.equal(
      mapImageRequest({ prompt: 'x', n: 10, seed: MAX_SEED - 9 }, { models }).args.task_config?.seed,
      MAX_SEED - 9,
    );
    refused(
      () => mapImageRequest({ prompt: 'x', n: 10, seed: MAX_SEED - 8 }, { models }),
      'invalid_value',
      'seed',
    );
  });

  test("an odd size is one sentence stating the rule, not the validator's words", () => {
    assert.equal(
      refused(() => mapImageRequest({ prompt: 'x', size: '100x100' }, { models }), 'invalid_value', 'size')
        .shortMessage,
      'size 100x100: the width and height must each be a multiple of 8 from 64 to 2048.',
    );
    assert.equal(
      refused(() => mapImageRequest({ prompt: 'x', size: '64x4096' }, { models }), 'invalid_value', 'size')
        .shortMessage,
      'size 64x4096: the height must be a multiple of 8 from 64 to 2048.',
    );
  });

  test('bad or unsupported image fields are refused naming the field', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ size: 'big' }, 'invalid_value', 'size'],
      [{ size: '100x100' }, 'invalid_value', 'size'],
      [{ n: 11 }, 'invalid_value', 'n'],
      [{ style: 'vivid' }, 'unsupported_value', 'style'],
      [{ quality: 'hd' }, 'unsupported_value', 'quality'],
      [{ response_format: 'png' }, 'invalid_value', 'response_format'],
      [{ steps: 101 }, 'invalid_value', 'steps'],
      [{ scheduler: { method: 'Nope' } }, 'invalid_value', 'scheduler.method'],
      [{ model: 'tiny-chat' }, 'model_not_found', 'model'],
      [{ mask: 'x' }, 'unsupported_parameter', 'mask'],
    ];
    for (const [extra, code, param] of cases)
      refused(() => mapImageRequest({ prompt: 'x', ...extra }, { models }), code, param);
    refused(() => mapImageRequest({}, { models }), 'missing_required_parameter', 'prompt');
  });
});
