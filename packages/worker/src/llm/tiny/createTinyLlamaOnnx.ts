import type { GraphBuilder } from '../../onnx/index.js';
import { createGraphBuilder } from '../../onnx/index.js';

export type TinyLlamaDimensions = {
  vocabSize: number;
  /** hidden_size */
  hidden: number;
  /** num_attention_heads */
  heads: number;
  /** num_key_value_heads (grouped-query attention when below heads) */
  kvHeads: number;
  /** head_dim */
  headDim: number;
  /** intermediate_size of the SwiGLU MLP */
  intermediate: number;
  layers: number;
  /** max_position_embeddings */
  positions: number;
  ropeTheta: number;
  rmsNormEps: number;
  /** Qwen2 puts a bias on the q, k and v projections; Llama has none. */
  qkvBias: boolean;
  /** lm_head shares the embedding matrix (Qwen2.5-0.5B does); default false. */
  tiedEmbeddings?: boolean | undefined;
};

/**
 * A Llama / Qwen2 style decoder as ONNX, with the inputs and outputs transformers.js feeds a `llama` or
 * `qwen2` model exported with past key values: `input_ids`, `attention_mask`, `position_ids`,
 * `past_key_values.N.key|value` ([batch, num_key_value_heads, past, head_dim]) -> `logits`,
 * `present.N.key|value`. The blocks are the Hugging Face modeling code's: RMSNorm (x / sqrt(mean(x²) + eps)
 * · weight), rotary position embeddings on q and k (rotate-half convention, inv_freq = θ^(−2i/d), keys cached
 * after rotation), grouped-query attention (each key/value head serves heads / kvHeads consecutive query
 * heads), causal and padding masks, and a SwiGLU MLP (down(silu(gate(x)) · up(x))); no biases except
 * Qwen2's on q, k, v; untied lm_head. Weights are seeded random (Philox, via the graph builder); initializer
 * names follow the Hugging Face state dict (`model.layers.0.self_attn.q_proj.weight`, stored [in, out]).
 */
export function createTinyLlamaOnnx(dimensions: TinyLlamaDimensions, seed: number): Uint8Array {
  return buildLlamaGraph(dimensions, seed).toBytes();
}

/**
 * The graph of createTinyLlamaOnnx, left in its builder: a caller with large dimensions moves the
 * initializers to an external data file before serializing (protobuf stops at 2 GB).
 */
export function buildLlamaGraph(dimensions: TinyLlamaDimensions, seed: number): GraphBuilder {
  const { vocabSize, hidden, heads, kvHeads, headDim, intermediate, layers, ropeTheta, rmsNormEps } =
    dimensions;
  if (heads % kvHeads !== 0) throw new RangeError('heads must be a multiple of kvHeads');
  if (headDim % 2 !== 0) throw new RangeError('headDim must be even (rotary embeddings)');
  const groups = heads / kvHeads;
  const g = createGraphBuilder({ name: 'tiny-llama', seed, opset: 17 });
  let scalars = 0;
  const scalar = (value: number) => g.initializer(`scalar.${scalars++}`, 'int64', [], [value]);

  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);

  const embed = g.randomInitializer('model.embed_tokens.weight', [vocabSize, hidden], { scale: 0.5 });
  let h = g.op('Gather', [embed, inputIds], { axis: 0 }); // [B, S, H]

  // Rotary tables shared by every layer: angle[b, s, i] = position · θ^(−2i/d), duplicated over both halves.
  const half = headDim / 2;
  const invFreq = g.float32s(
    Array.from({ length: half }, (_, i) => 1 / ropeTheta ** ((2 * i) / headDim)),
    [half],
    'rotary.inv_freq',
  );
  const positions = g.op('Unsqueeze', [g.op('Cast', [positionIds], { to: 1 }), g.int64s([2])]); // [B, S, 1]
  const freqs = g.op('Mul', [positions, invFreq]); // [B, S, d/2]
  const angles = g.op('Unsqueeze', [g.op('Concat', [freqs, freqs], { axis: -1 }), g.int64s([1])]); // [B,1,S,d]
  const cos = g.op('Cos', [angles]);
  const sin = g.op('Sin', [angles]);
  const firstHalf = [g.int64s([0]), g.int64s([half]), g.int64s([3])];
  const secondHalf = [g.int64s([half]), g.int64s([headDim]), g.int64s([3])];
  const rotate = (x: string) => {
    const x1 = g.op('Slice', [x, ...firstHalf]);
    const x2 = g.op('Slice', [x, ...secondHalf]);
    const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
    return g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [rotated, sin])]);
  };

  // Mask shared by every layer: key j is visible to query i when j <= past + i and attention_mask[j] = 1.
  const total = g.op('Gather', [g.op('Shape', [attentionMask]), scalar(1)], { axis: 0 });
  const sequence = g.op('Gather', [g.op('Shape', [inputIds]), scalar(1)], { axis: 0 });
  const past = g.op('Sub', [total, sequence]);
  const keyIndex = g.op('Range', [scalar(0), total, scalar(1)]); // [T]
  const queryIndex = g.op('Unsqueeze', [g.op('Range', [past, total, scalar(1)]), g.int64s([1])]); // [S, 1]
  const causal = g.op('LessOrEqual', [keyIndex, queryIndex]); // [S, T]
  const padding = g.op('Cast', [g.op('Unsqueeze', [attentionMask, g.int64s([1, 2])])], { to: 9 }); // [B,1,1,T]
  const visible = g.op('And', [causal, padding]); // [B, 1, S, T]
  const toHeads = (x: string, n: number) =>
    g.op('Transpose', [g.op('Reshape', [x, g.int64s([0, 0, n, headDim])])], { perm: [0, 2, 1, 3] });
  const cacheShape = ['batch_size', kvHeads, 'past_sequence_length', headDim];
  const presentShape = ['batch_size', kvHeads, 'total_sequence_length', headDim];

  for (let layer = 0; layer < layers; layer++) {
    const prefix = `model.layers.${layer}`;
    const pastKey = g.input(`past_key_values.${layer}.key`, 'float32', cacheShape);
    const pastValue = g.input(`past_key_values.${layer}.value`, 'float32', cacheShape);
    const x = rmsNorm(g, h, `${prefix}.input_layernorm`, hidden, rmsNormEps);
    const project = (name: string, out: number, bias: boolean) => {
      const y = g.op('MatMul', [x, g.randomInitializer(`${prefix}.self_attn.${name}.weight`, [hidden, out])]);
      return bias
        ? g.op('Add', [y, g.randomInitializer(`${prefix}.self_attn.${name}.bias`, [out], { scale: 0.1 })])
        : y;
    };
    const q = rotate(toHeads(project('q_proj', heads * headDim, dimensions.qkvBias), heads));
    const k = rotate(toHeads(project('k_proj', kvHeads * headDim, dimensions.qkvBias), kvHeads));
    const v = toHeads(project('v_proj', kvHeads * headDim, dimensions.qkvBias), kvHeads);
    const key = g.op('Concat', [pastKey, k], { axis: 2 });
    const value = g.op('Concat', [pastValue, v], { axis: 2 });
    g.output(key, 'float32', presentShape, `present.${layer}.key`);
    g.output(value, 'float32', presentShape, `present.${layer}.value`);
    // repeat_kv: [B, kv, T, d] -> [B, kv, groups, T, d] -> [B, heads, T, d].
    const repeat = (x: string) =>
      groups === 1
        ? x
        : g.op('Reshape', [
            g.op('Tile', [g.op('Unsqueeze', [x, g.int64s([2])]), g.int64s([1, 1, groups, 1, 1])]),
            g.int64s([0, heads, -1, headDim]),
          ]);
    const scores = g.op('Mul', [
      g.op('MatMul', [q, g.op('Transpose', [repeat(key)], { perm: [0, 1, 3, 2] })]),
      g.float32s([1 / Math.sqrt(headDim)]),
    ]);
    const masked = g.op('Where', [visible, scores, g.float32s([-1e9])]);
    const context = g.op('MatMul', [g.op('Softmax', [masked], { axis: -1 }), repeat(value)]); // [B, H, S, d]
    const merged = g.op('Reshape', [
      g.op('Transpose', [context], { perm: [0, 2, 1, 3] }),
      g.int64s([0, 0, heads * headDim]),
    ]);
    const attnOut = g.op('MatMul', [
      merged,
      g.randomInitializer(`${prefix}.self_attn.o_proj.weight`, [heads * headDim, hidden]),
    ]);
    h = g.op('Add', [h, attnOut]);
    const m = rmsNorm(g, h, `${prefix}.post_attention_layernorm`, hidden, rmsNormEps);
    const gate = g.op('MatMul', [
      m,
      g.randomInitializer(`${prefix}.mlp.gate_proj.weight`, [hidden, intermediate]),
    ]);
    const up = g.op('MatMul', [
      m,
      g.randomInitializer(`${prefix}.mlp.up_proj.weight`, [hidden, intermediate]),
    ]);
    const swiglu = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    const down = g.op('MatMul', [
      swiglu,
      g.randomInitializer(`${prefix}.mlp.down_proj.weight`, [intermediate, hidden]),
    ]);
    h = g.op('Add', [h, down]);
  }
  const final = rmsNorm(g, h, 'model.norm', hidden, rmsNormEps);
  const lmHead = dimensions.tiedEmbeddings
    ? g.op('Transpose', [embed], { perm: [1, 0] })
    : g.randomInitializer('lm_head.weight', [hidden, vocabSize], { scale: 1 });
  const logits = g.op('MatMul', [final, lmHead]);
  g.output(logits, 'float32', ['batch_size', 'sequence_length', vocabSize], 'logits');
  return g;
}

/** Hugging Face LlamaRMSNorm: x / sqrt(mean(x², last axis) + eps) · weight (weight near 1). */
function rmsNorm(g: GraphBuilder, x: string, prefix: string, features: number, eps: number): string {
  const weight = g.randomInitializer(`${prefix}.weight`, [features], { scale: 0.1, offset: 1 });
  const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const rms = g.op('Sqrt', [g.op('Add', [meanSquare, g.float32s([eps])])]);
  return g.op('Mul', [g.op('Div', [x, rms]), weight]);
}
