import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keccak256, stringToBytes } from 'viem';
import { InvalidModelIdError } from './errors.js';
import { getTaskModelIds } from './getTaskModelIds.js';
import { formatModelId, getModelId, parseModelId } from './modelId.js';
import { parseTaskArgs } from './parseTaskArgs.js';

describe('model ids', () => {
  it('parses and formats the three kinds', () => {
    const cases = [
      [
        'base:runwayml/stable-diffusion-v1-5',
        { kind: 'base', id: 'runwayml/stable-diffusion-v1-5', variant: null },
      ],
      ['base:stabilityai/sdxl-turbo+fp16', { kind: 'base', id: 'stabilityai/sdxl-turbo', variant: 'fp16' }],
      [
        'lora:https://civitai.com/api/download/models/12?type=Model+x',
        { kind: 'lora', id: 'https://civitai.com/api/download/models/12?type=Model+x' },
      ],
      ['lora:org/my-lora', { kind: 'lora', id: 'org/my-lora' }],
      [
        'controlnet:lllyasviel/sd-controlnet-canny+fp16',
        { kind: 'controlnet', id: 'lllyasviel/sd-controlnet-canny', variant: 'fp16' },
      ],
    ] as const;
    for (const [text, parsed] of cases) {
      assert.deepEqual(parseModelId(text), parsed);
      assert.equal(formatModelId(parsed), text);
    }
  });

  it('refuses malformed ids', () => {
    for (const bad of [
      '',
      'runwayml/sd',
      'unet:x',
      'base:',
      'base:+fp16',
      'base:a+',
      'base:a+b+c',
      'base:a b',
      'lora:',
      'controlnet:x+f p',
    ]) {
      assert.throws(() => parseModelId(bad), InvalidModelIdError, bad);
    }
    assert.throws(() => formatModelId({ kind: 'base', id: 'a+b', variant: null }), InvalidModelIdError);
  });

  it('hashes the canonical string for the chain', () => {
    assert.equal(getModelId('base:org/m+fp16'), keccak256(stringToBytes('base:org/m+fp16')));
    assert.equal(getModelId({ kind: 'base', id: 'org/m', variant: 'fp16' }), getModelId('base:org/m+fp16'));
    assert.notEqual(getModelId('base:org/m'), getModelId('base:org/m+fp16'));
  });

  it('lists the models a task needs, base model first', () => {
    const sd = parseTaskArgs('sd', { base_model: { name: 'org/sd' }, prompt: 'x' });
    assert.deepEqual(getTaskModelIds('sd', sd), ['base:org/sd']);
    const withVariant = { ...sd, base_model: { name: 'org/sd', variant: 'fp16' } };
    assert.deepEqual(getTaskModelIds('sd', withVariant), ['base:org/sd+fp16']);
    const llm = parseTaskArgs('llm', {
      model: 'Qwen/Qwen2.5-0.5B',
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.deepEqual(getTaskModelIds('llm', llm), ['base:Qwen/Qwen2.5-0.5B']);
  });
});
