import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalizeJson } from './canonicalizeJson.js';
import { encodeTaskArgs } from './encodeTaskArgs.js';
import { getTaskArgsVerdict, isUnsupportedTaskArgsError } from './getTaskArgsVerdict.js';
import { parseTaskArgs } from './parseTaskArgs.js';

const sd = { base_model: 'runwayml/stable-diffusion-v1-5', prompt: 'a cat' };
const canonical = (value: unknown) => new TextEncoder().encode(canonicalizeJson(value));

describe('getTaskArgsVerdict (the verdict nodes and the relay share)', () => {
  it('calls a newer minor version unsupported even when it carries fields this schema does not know', () => {
    // Before the fix the schema ran first and named the new field `invalid` (reported on chain, slashable).
    for (const input of [
      { ...sd, version: '1.99.0', new_field: 1 },
      { ...sd, version: '1.99.0', task_config: { steps: 9999, new_knob: true } },
      { ...sd, version: '2.0.0', prompt: 7 },
    ]) {
      const verdict = getTaskArgsVerdict('sd', canonical(input));
      assert.equal(verdict.status, 'unsupported', JSON.stringify(input));
      assert.equal('error' in verdict ? verdict.error.field : undefined, 'version');
      assert.throws(
        () => parseTaskArgs('sd', input),
        (error) => isUnsupportedTaskArgsError(error),
      );
    }
  });

  it('keeps schema errors of a known version and refused features of its own version as invalid_args', () => {
    const unknownField = getTaskArgsVerdict('sd', canonical({ ...sd, version: '1.0.0', new_field: 1 }));
    assert.equal(unknownField.status, 'invalid_args');
    const feature = getTaskArgsVerdict('sd', canonical({ ...sd, version: '1.0.0', lora: 'a/b' }));
    assert.equal(feature.status, 'invalid_args', 'LoRA in a 1.0.0 task: every node reports it');
    const malformed = getTaskArgsVerdict('sd', canonical({ ...sd, version: '1.0' }));
    assert.equal(malformed.status, 'invalid_args');
    assert.equal(getTaskArgsVerdict('sd', new TextEncoder().encode('{ "a": 1 }')).status, 'invalid_args');
  });

  it('calls a task type without a backend unsupported (sd_ft), and runs sd and llm', () => {
    const ft = encodeTaskArgs('sd_ft', {
      model: { name: 'runwayml/stable-diffusion-v1-5' },
      dataset: { name: 'lambdalabs/naruto-blip-captions' },
      validation: { prompt: 'a ninja' },
    }).bytes;
    const verdict = getTaskArgsVerdict('sd_ft', ft);
    assert.equal(verdict.status, 'unsupported');
    assert.match(
      verdict.status === 'unsupported' ? verdict.error.message : '',
      /no worker .* backend .*sd_ft/,
    );
    assert.equal(getTaskArgsVerdict('sd', encodeTaskArgs('sd', sd).bytes).status, 'runnable');
    const llm = { model: 'verinet/tiny-gpt2', messages: [{ role: 'user', content: 'hi' }] };
    assert.equal(getTaskArgsVerdict('llm', encodeTaskArgs('llm', llm).bytes).status, 'runnable');
  });
});
