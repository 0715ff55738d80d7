import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidTaskArgsError } from '@verinet/protocol/args';
import { type DecodingConfig, processLogits } from './processLogits.js';
import { resolveGenerationConfig } from './resolveGenerationConfig.js';

const off: DecodingConfig = {
  do_sample: true,
  temperature: 1,
  top_k: 0,
  top_p: 1,
  min_p: null,
  typical_p: 1,
  repetition_penalty: 1,
};

/** Ids that survive the processors (score above -Infinity). */
function kept(logits: number[], config: Partial<DecodingConfig>, seen: number[] = []): number[] {
  const scores = processLogits(Float32Array.from(logits), seen, { ...off, ...config });
  return [...scores.keys()].filter((i) => scores[i] !== Number.NEGATIVE_INFINITY);
}

const ln = Math.log;

describe('processLogits: transformers semantics and tie cases', () => {
  test('top_k keeps every token tied with the k-th largest score', () => {
    assert.deepEqual(kept([1, 3, 2, 2, 0], { top_k: 2 }), [1, 2, 3]);
    assert.deepEqual(kept([1, 3, 2, 2, 0], { top_k: 3 }), [1, 2, 3]);
    assert.deepEqual(kept([1, 3, 2, 2, 0], { top_k: 4 }), [0, 1, 2, 3]);
    // top_k above the vocabulary keeps everything; top_k 0 is off.
    assert.deepEqual(kept([1, 3, 2], { top_k: 10 }), [0, 1, 2]);
    assert.deepEqual(kept([1, 3, 2], { top_k: 0 }), [0, 1, 2]);
  });

  test('top_p removes the tail with cumulative probability <= 1 - p; at a tie the lower id goes first', () => {
    // probabilities 0.25, 0.25, 0.5 exactly
    const logits = [0, 0, ln(2)];
    assert.deepEqual(kept(logits, { top_p: 0.75 }), [1, 2]);
    assert.deepEqual(kept(logits, { top_p: 0.5 }), [2]);
    assert.deepEqual(kept(logits, { top_p: 0.76 }), [0, 1, 2]);
    // The most probable token always stays, however small p is.
    assert.deepEqual(kept(logits, { top_p: 1e-9 }), [2]);
    assert.deepEqual(kept([5, 5], { top_p: 1e-9 }), [1]);
  });

  test('typical_p keeps every token tied with the boundary token (transformers: remove shifted > boundary)', () => {
    // p = 0.4, 0.2, 0.2, 0.2: the three 0.2 tokens are the most typical and tie; mass 0.3 is crossed at the
    // second of them, so a rank cut would keep two of the three. transformers keeps all three.
    const logits = [ln(0.4), ln(0.2), ln(0.2), ln(0.2)];
    assert.deepEqual(kept(logits, { typical_p: 0.3 }), [1, 2, 3]);
    assert.deepEqual(kept(logits, { typical_p: 0.1 }), [1, 2, 3]);
    assert.deepEqual(kept(logits, { typical_p: 0.95 }), [0, 1, 2, 3]);
    // Without ties the token that crosses the mass is kept too, and the most typical one always.
    const spread = [ln(0.5), ln(0.3), ln(0.15), ln(0.05)];
    // H ≈ 1.1421; |−log p − H| ≈ 0.449, 0.062, 0.755, 1.854: order 1, 0, 2, 3
    assert.deepEqual(kept(spread, { typical_p: 0.2 }), [1]);
    assert.deepEqual(kept(spread, { typical_p: 0.31 }), [0, 1]);
    assert.deepEqual(kept(spread, { typical_p: 0.79 }), [0, 1]);
    assert.deepEqual(kept(spread, { typical_p: 0.81 }), [0, 1, 2]);
  });

  test('min_p removes probabilities strictly below min_p × the top probability', () => {
    const logits = [ln(4), ln(1), ln(1), ln(2)]; // 0.5, 0.125, 0.125, 0.25
    assert.deepEqual(kept(logits, { min_p: 0.24 }), [0, 1, 2, 3]);
    assert.deepEqual(kept(logits, { min_p: 0.3 }), [0, 3]);
    assert.deepEqual(kept(logits, { min_p: 1 }), [0]);
    assert.deepEqual(kept(logits, { min_p: 0 }), [0, 1, 2, 3]);
  });

  test('order: temperature before min_p, top_k before top_p, top_p before typical_p', () => {
    // At temperature 1, p(1)/p(0) = e^-1 < 0.5: removed; at temperature 4, e^-0.25 > 0.5: kept.
    assert.deepEqual(kept([0, -1], { min_p: 0.5 }), [0]);
    assert.deepEqual(kept([0, -1], { min_p: 0.5, temperature: 4 }), [0, 1]);
    // top_k 2 first renormalizes 0.5/0.3 to 0.625/0.375, so top_p 0.6 then drops id 1; the other order
    // would keep it.
    assert.deepEqual(kept([ln(5), ln(3), ln(2)], { top_k: 2, top_p: 0.6 }), [0]);
    assert.deepEqual(kept([ln(5), ln(3), ln(2)], { top_p: 0.6 }), [0, 1]);
    // Composition: each processor sees the previous one's output, in transformers' order, and the order
    // matters for these logits (the reverse composition keeps another set).
    const logits = Float32Array.of(2.1, 0.3, 1.7, -0.4, 1.7, 0.9, 2.6, 0.2);
    const single = (x: ArrayLike<number>, c: Partial<DecodingConfig>) =>
      processLogits(x, [], { ...off, ...c });
    const steps: Partial<DecodingConfig>[] = [
      { temperature: 0.7 },
      { top_k: 6 },
      { top_p: 0.9 },
      { min_p: 0.2 },
      { typical_p: 0.5 },
    ];
    const forward = steps.reduce<Float64Array | Float32Array>((x, c) => single(x, c), logits);
    const reverse = [...steps].reverse().reduce<Float64Array | Float32Array>((x, c) => single(x, c), logits);
    const all = single(logits, Object.assign({}, ...steps));
    assert.deepEqual([...all], [...forward]);
    assert.notDeepEqual(
      [...all].map((v) => v === Number.NEGATIVE_INFINITY),
      [...reverse].map((v) => v === Number.NEGATIVE_INFINITY),
    );
  });

  test('repetition penalty applies when greedy too; warpers only when sampling', () => {
    const scores = processLogits(Float32Array.of(2, -1, 0.5), [0, 1, 0], {
      ...off,
      do_sample: false,
      repetition_penalty: 2,
      top_k: 1,
      temperature: 0.5,
    });
    assert.deepEqual([...scores], [1, -2, 0.5]);
    const sampled = processLogits(Float32Array.of(2, -1, 0.5), [0], {
      ...off,
      repetition_penalty: 2,
      temperature: 0.5,
    });
    assert.deepEqual([...sampled], [2, -2, 1]);
  });
});

describe('resolveGenerationConfig: task, else the model generation_config.json, else Hugging Face defaults', () => {
  const task = (values: Record<string, unknown> = {}) =>
    ({ stop_strings: [], num_beams: 1, num_return_sequences: 1, ...values }) as never;

  test('no task values and no model file: Hugging Face defaults and 256 new tokens', () => {
    assert.deepEqual(resolveGenerationConfig({ task: task(), model: {}, eosTokenIds: [7] }), {
      do_sample: false,
      temperature: 1,
      top_k: 50,
      top_p: 1,
      min_p: null,
      typical_p: 1,
      repetition_penalty: 1,
      max_new_tokens: 256,
      eos_token_id: [7],
    });
  });

  test('model defaults apply where the task is silent; the task wins where it speaks', () => {
    const model = {
      do_sample: true,
      temperature: 0.7,
      top_k: 20,
      top_p: 0.8,
      repetition_penalty: 1.05,
      max_new_tokens: 64,
      bos_token_id: 1,
    };
    const resolved = resolveGenerationConfig({ task: task({ top_p: 0.95 }), model, eosTokenIds: [2, 3] });
    assert.deepEqual(resolved, {
      do_sample: true,
      temperature: 0.7,
      top_k: 20,
      top_p: 0.95,
      min_p: null,
      typical_p: 1,
      repetition_penalty: 1.05,
      max_new_tokens: 64,
      eos_token_id: [2, 3],
    });
    assert.equal(
      resolveGenerationConfig({ task: task({ do_sample: false }), model, eosTokenIds: [] }).do_sample,
      false,
    );
  });

  test('null in the model file switches the processor off, as None does in transformers', () => {
    const resolved = resolveGenerationConfig({
      task: task(),
      model: { do_sample: true, top_k: null, temperature: null, min_p: null },
      eosTokenIds: [],
    });
    assert.equal(resolved.top_k, 0);
    assert.equal(resolved.temperature, 1);
    assert.equal(resolved.min_p, null);
  });

  test('an out-of-range model value is refused naming the field, unless greedy decoding ignores it', () => {
    assert.throws(
      () =>
        resolveGenerationConfig({
          task: task(),
          model: { do_sample: true, temperature: 0 },
          eosTokenIds: [],
        }),
      (error: unknown) =>
        error instanceof InvalidTaskArgsError &&
        error.field === 'generation_config.temperature' &&
        /generation_config\.json/.test(error.message),
    );
    // Greedy: the temperature is never used.
    assert.equal(
      resolveGenerationConfig({ task: task(), model: { temperature: 0 }, eosTokenIds: [] }).temperature,
      1,
    );
    // The task overrides the broken default.
    assert.equal(
      resolveGenerationConfig({
        task: task({ temperature: 0.5 }),
        model: { do_sample: true, temperature: 0 },
        eosTokenIds: [],
      }).temperature,
      0.5,
    );
    assert.throws(
      () => resolveGenerationConfig({ task: task(), model: { repetition_penalty: -1 }, eosTokenIds: [] }),
      { name: 'InvalidTaskArgsError' },
    );
    assert.throws(
      () => resolveGenerationConfig({ task: task(), model: { do_sample: 'yes' }, eosTokenIds: [] }),
      {
        name: 'InvalidTaskArgsError',
      },
    );
  });
});
