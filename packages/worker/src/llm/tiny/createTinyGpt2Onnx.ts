import { createGraphBuilder, gelu, layerNorm, linear } from '../../onnx/index.js';

export type TinyGpt2Dimensions = {
  vocabSize: number;
  /** Embedding width (n_embd). */
  hidden: number;
  heads: number;
  layers: number;
  /** Longest sequence (n_positions). */
  positions: number;
};

/**
 * A GPT-2 style decoder as ONNX, with the input and output names transformers.js feeds a `gpt2` model
 * exported with past key values: `input_ids`, `attention_mask`, `position_ids`, `past_key_values.N.key|value`
 * ([batch, heads, past, headDim]) -> `logits`, `present.N.key|value`. Causal and padding masks are applied
 * inside the graph. Weights are seeded random (Philox, via the graph builder).
 */
export function createTinyGpt2Onnx(dimensions: TinyGpt2Dimensions, seed: number): Uint8Array {
  const { vocabSize, hidden, heads, layers, positions } = dimensions;
  if (hidden % heads !== 0) throw new RangeError('hidden must be a multiple of heads');
  const headDim = hidden / heads;
  const g = createGraphBuilder({ name: 'tiny-gpt2', seed, opset: 17 });
  let scalars = 0;
  const scalar = (value: number) => g.initializer(`scalar.${scalars++}`, 'int64', [], [value]);

  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);

  const wte = g.randomInitializer('transformer.wte.weight', [vocabSize, hidden], { scale: 0.5 });
  const wpe = g.randomInitializer('transformer.wpe.weight', [positions, hidden], { scale: 0.1 });
  let h = g.op('Add', [
    g.op('Gather', [wte, inputIds], { axis: 0 }),
    g.op('Gather', [wpe, positionIds], { axis: 0 }),
  ]);

  // Mask shared by every layer: key j is visible to query i when j <= past + i and attention_mask[j] = 1.
  const total = g.op('Gather', [g.op('Shape', [attentionMask]), scalar(1)], { axis: 0 });
  const sequence = g.op('Gather', [g.op('Shape', [inputIds]), scalar(1)], { axis: 0 });
  const past = g.op('Sub', [total, sequence]);
  const keyIndex = g.op('Range', [scalar(0), total, scalar(1)]); // [T]
  const queryIndex = g.op('Unsqueeze', [g.op('Range', [past, total, scalar(1)]), g.int64s([1])]); // [S, 1]
  const causal = g.op('LessOrEqual', [keyIndex, queryIndex]); // [S, T]
  const padding = g.op('Cast', [g.op('Unsqueeze', [attentionMask, g.int64s([1, 2])])], { to: 9 }); // [B,1,1,T] bool
  const visible = g.op('And', [causal, padding]); // [B, 1, S, T]
  const hidden4 = g.int64s([0, 0, heads, headDim]);
  const toHeads = (x: string) => g.op('Transpose', [g.op('Reshape', [x, hidden4])], { perm: [0, 2, 1, 3] });

  for (let layer = 0; layer < layers; layer++) {
    const prefix = `transformer.h.${layer}`;
    const pastKey = g.input(`past_key_values.${layer}.key`, 'float32', [
      'batch_size',
      heads,
      'past_sequence_length',
      headDim,
    ]);
    const pastValue = g.input(`past_key_values.${layer}.value`, 'float32', [
      'batch_size',
      heads,
      'past_sequence_length',
      headDim,
    ]);
    const x = layerNorm(g, h, `${prefix}.ln_1`, hidden);
    const q = toHeads(linear(g, x, `${prefix}.attn.q`, hidden, hidden));
    const key = g.op('Concat', [pastKey, toHeads(linear(g, x, `${prefix}.attn.k`, hidden, hidden))], {
      axis: 2,
    });
    const value = g.op('Concat', [pastValue, toHeads(linear(g, x, `${prefix}.attn.v`, hidden, hidden))], {
      axis: 2,
    });
    g.output(key, 'float32', ['batch_size', heads, 'total_sequence_length', headDim], `present.${layer}.key`);
    g.output(
      value,
      'float32',
      ['batch_size', heads, 'total_sequence_length', headDim],
      `present.${layer}.value`,
    );
    const scores = g.op('Mul', [
      g.op('MatMul', [q, g.op('Transpose', [key], { perm: [0, 1, 3, 2] })]),
      g.float32s([1 / Math.sqrt(headDim)]),
    ]);
    const masked = g.op('Where', [visible, scores, g.float32s([-1e9])]);
    const context = g.op('MatMul', [g.op('Softmax', [masked], { axis: -1 }), value]); // [B, H, S, D]
    const merged = g.op('Reshape', [
      g.op('Transpose', [context], { perm: [0, 2, 1, 3] }),
      g.int64s([0, 0, hidden]),
    ]);
    h = g.op('Add', [h, linear(g, merged, `${prefix}.attn.c_proj`, hidden, hidden)]);
    const m = layerNorm(g, h, `${prefix}.ln_2`, hidden);
    const mlp = linear(
      g,
      gelu(g, linear(g, m, `${prefix}.mlp.c_fc`, hidden, 4 * hidden)),
      `${prefix}.mlp.c_proj`,
      4 * hidden,
      hidden,
    );
    h = g.op('Add', [h, mlp]);
  }
  const final = layerNorm(g, h, 'transformer.ln_f', hidden);
  const logits = g.op('MatMul', [
    final,
    g.randomInitializer('lm_head.weight', [hidden, vocabSize], { scale: 1 }),
  ]);
  g.output(logits, 'float32', ['batch_size', 'sequence_length', vocabSize], 'logits');
  return g.toBytes();
}
