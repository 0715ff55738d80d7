import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTaskArgs, MAX_TASK_ARGS_BYTES } from './decodeTaskArgs.js';
import { encodeTaskArgs } from './encodeTaskArgs.js';
import { InvalidTaskArgsError } from './errors.js';
import { getArgsHash } from './getArgsHash.js';
import { parseTaskArgsBytes } from './parseTaskArgsBytes.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

function refused(bytes: Uint8Array): InvalidTaskArgsError {
  try {
    decodeTaskArgs(bytes);
  } catch (error) {
    assert.ok(error instanceof InvalidTaskArgsError);
    assert.equal(error.kind, 'invalid');
    assert.equal(error.field, '');
    return error;
  }
  assert.fail(`expected ${new TextDecoder().decode(bytes)} to be refused`);
}

describe('decodeTaskArgs', () => {
  it('returns the value of canonical bytes', () => {
    assert.deepEqual(decodeTaskArgs(utf8('{"a":[1,"é",null],"b":true}')), { a: [1, 'é', null], b: true });
  });

  it('refuses every spelling that is not canonical', () => {
    const spellings = [
      '{ "a":1}', // whitespace
      '{"b":1,"a":2}', // member order
      '{"a":1,"a":1}', // duplicate member: parsers disagree on which wins
      '{"a":1.0}', // number spelling
      '{"a":1E2}',
      '{"a":"\\u0041"}', // needless escape
      '{"a":"\\/"}',
      '{"a":1}\n',
      '{"a":12345678901234567890}', // beyond double precision
    ];
    for (const text of spellings) assert.match(refused(utf8(text)).reason, /canonical/, text);
  });

  it('refuses invalid UTF-8, invalid JSON, lone surrogates and oversized documents', () => {
    assert.match(refused(new Uint8Array([0x7b, 0xff, 0x7d])).reason, /UTF-8/);
    assert.match(refused(utf8('{"a":')).reason, /JSON/);
    assert.match(refused(utf8('\ufeff{"a":1}')).reason, /JSON/);
    assert.match(refused(utf8('{"a":"\\ud800"}')).reason, /surrogate/);
    assert.match(refused(new Uint8Array(MAX_TASK_ARGS_BYTES + 1)).reason, /limit/);
  });
});

describe('encodeTaskArgs and parseTaskArgsBytes', () => {
  it('round-trips: the node parses exactly what the app hashed', () => {
    const input = {
      prompt: 'a red fox, 4k',
      base_model: { name: 'runwayml/stable-diffusion-v1-5' },
      task_config: { steps: 30, seed: 7, cfg: 7.5 },
      scheduler: { method: 'EulerDiscrete' },
    };
    const { bytes, argsHash, args } = encodeTaskArgs('sd', input);
    assert.equal(argsHash, getArgsHash(bytes));
    // Defaults are not baked into the bytes; the node applies them from the task's version.
    assert.doesNotMatch(new TextDecoder().decode(bytes), /negative_prompt/);
    assert.deepEqual(parseTaskArgsBytes('sd', bytes), args);
    assert.equal(args.task_config.cfg, 7.5);
    assert.equal(args.negative_prompt, '');
  });

  it('refuses invalid arguments before anything is hashed', () => {
    assert.throws(
      () => encodeTaskArgs('llm', { model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [] }),
      (error: unknown) => error instanceof InvalidTaskArgsError && error.field === 'tools',
    );
  });
});
