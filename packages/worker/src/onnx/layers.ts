import type { GraphBuilder } from './graphBuilder.js';

/**
 * Small composite layers over a GraphBuilder, with seeded random weights named `<prefix>.<part>`. They are
 * what the tiny test models (Stable Diffusion, GPT-2) are made of; all weights are float32.
 */

/** x @ W + b for x [..., inFeatures] -> [..., outFeatures]. */
export function linear(
  g: GraphBuilder,
  x: string,
  prefix: string,
  inFeatures: number,
  outFeatures: number,
): string {
  const weight = g.randomInitializer(`${prefix}.weight`, [inFeatures, outFeatures]);
  const bias = g.randomInitializer(`${prefix}.bias`, [outFeatures], { scale: 0.1 });
  return g.op('Add', [g.op('MatMul', [x, weight]), bias]);
}

/** LayerNormalization over the last axis with a learned gain near 1 and bias near 0 (opset >= 17). */
export function layerNorm(g: GraphBuilder, x: string, prefix: string, features: number): string {
  const scale = g.randomInitializer(`${prefix}.weight`, [features], { scale: 0.1, offset: 1 });
  const bias = g.randomInitializer(`${prefix}.bias`, [features], { scale: 0.1 });
  return g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: 1e-5 });
}

/** x * sigmoid(x). */
export function silu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

/** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), from opset-13 primitives (the Gelu op needs opset 20). */
export function gelu(g: GraphBuilder, x: string): string {
  const erf = g.op('Erf', [g.op('Div', [x, g.float32s([Math.SQRT2])])]);
  return g.op('Mul', [g.op('Mul', [x, g.float32s([0.5])]), g.op('Add', [erf, g.float32s([1])])]);
}

/** 2-D convolution NCHW with a k×k kernel, stride 1 and "same" padding. */
export function conv2d(
  g: GraphBuilder,
  x: string,
  prefix: string,
  inChannels: number,
  outChannels: number,
  kernel = 3,
): string {
  const fanIn = inChannels * kernel * kernel;
  const weight = g.randomInitializer(`${prefix}.weight`, [outChannels, inChannels, kernel, kernel], {
    scale: 1 / Math.sqrt(fanIn),
  });
  const bias = g.randomInitializer(`${prefix}.bias`, [outChannels], { scale: 0.1 });
  const pad = (kernel - 1) / 2;
  return g.op('Conv', [x, weight, bias], {
    kernel_shape: [kernel, kernel],
    pads: [pad, pad, pad, pad],
    strides: [1, 1],
  });
}

export type AttentionParameters = {
  /** Queries [batch, tokens, features]. */
  query: string;
  /** Keys/values source [batch, contextTokens, contextFeatures]; the query itself for self-attention. */
  context: string;
  prefix: string;
  features: number;
  contextFeatures: number;
  /** Optional additive mask broadcastable to [batch, tokens, contextTokens] (e.g. a causal mask of -inf). */
  mask?: string | undefined;
};

/** Single-head scaled dot-product attention with input and output projections. */
export function attention(g: GraphBuilder, parameters: AttentionParameters): string {
  const { query, context, prefix, features, contextFeatures, mask } = parameters;
  const q = g.op('MatMul', [query, g.randomInitializer(`${prefix}.q`, [features, features])]);
  const k = g.op('MatMul', [context, g.randomInitializer(`${prefix}.k`, [contextFeatures, features])]);
  const v = g.op('MatMul', [context, g.randomInitializer(`${prefix}.v`, [contextFeatures, features])]);
  const scores = g.op('Mul', [
    g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 2, 1] })]),
    g.float32s([1 / Math.sqrt(features)]),
  ]);
  const masked = mask === undefined ? scores : g.op('Add', [scores, mask]);
  const weights = g.op('Softmax', [masked], { axis: -1 });
  return linear(g, g.op('MatMul', [weights, v]), `${prefix}.out`, features, features);
}
