import { createGraphBuilder, type GraphBuilder } from '../onnx/index.js';

/**
 * Stable Diffusion 1.5's UNet (UNet2DConditionModel: block_out_channels 320/640/1280/1280, 2 layers per
 * block, 8 heads, cross-attention 768, GroupNorm 32, GEGLU feed-forward) and text encoder (CLIP ViT-L/14
 * text: 12 layers, 768 wide, 12 heads, MLP 3072, quick GELU, 49,408 tokens, 77 positions) with random
 * weights, for the real-size benchmark only: same shapes, so the same arithmetic, as the real models.
 * `macs` counts the multiply-accumulates of the convolutions and matrix products of one call, for the
 * given batch and latent size (512×512 → 64×64).
 */
export type Sd15Graph = { builder: GraphBuilder; macs: number; parameters: number };

type Counter = { macs: number; parameters: number };

function weight(g: GraphBuilder, count: Counter, name: string, dims: number[], scale?: number): string {
  count.parameters += dims.reduce((a, b) => a * b, 1);
  return g.randomInitializer(name, dims, scale === undefined ? {} : { scale });
}

function conv(
  g: GraphBuilder,
  count: Counter,
  x: string,
  p: string,
  shape: { batch: number; inC: number; outC: number; outH: number; outW: number },
  kernel: number,
  stride = 1,
): string {
  const { batch, inC, outC, outH, outW } = shape;
  count.macs += batch * outH * outW * outC * inC * kernel * kernel;
  const w = weight(
    g,
    count,
    `${p}.weight`,
    [outC, inC, kernel, kernel],
    1 / Math.sqrt(inC * kernel * kernel),
  );
  const b = weight(g, count, `${p}.bias`, [outC], 0.01);
  const pad = (kernel - 1) / 2;
  return g.op('Conv', [x, w, b], {
    kernel_shape: [kernel, kernel],
    pads: [pad, pad, pad, pad],
    strides: [stride, stride],
  });
}

function dense(
  g: GraphBuilder,
  count: Counter,
  x: string,
  p: string,
  rows: number,
  inF: number,
  outF: number,
  bias = true,
): string {
  count.macs += rows * inF * outF;
  const y = g.op('MatMul', [x, weight(g, count, `${p}.weight`, [inF, outF])]);
  return bias ? g.op('Add', [y, weight(g, count, `${p}.bias`, [outF], 0.01)]) : y;
}

function groupNorm(g: GraphBuilder, count: Counter, x: string, p: string, channels: number): string {
  const shape = g.op('Shape', [x]);
  const grouped = g.op('Reshape', [x, g.int64s([0, 32, -1])]);
  const normed = g.op(
    'InstanceNormalization',
    [grouped, g.float32s(Array(32).fill(1)), g.float32s(Array(32).fill(0))],
    {
      epsilon: 1e-5,
    },
  );
  const back = g.op('Reshape', [normed, shape]);
  count.parameters += 2 * channels;
  const gamma = g.randomInitializer(`${p}.weight`, [channels, 1, 1], { scale: 0.1, offset: 1 });
  const beta = g.randomInitializer(`${p}.bias`, [channels, 1, 1], { scale: 0.01 });
  return g.op('Add', [g.op('Mul', [back, gamma]), beta]);
}

function layerNorm(g: GraphBuilder, count: Counter, x: string, p: string, features: number): string {
  count.parameters += 2 * features;
  const scale = g.randomInitializer(`${p}.weight`, [features], { scale: 0.1, offset: 1 });
  const bias = g.randomInitializer(`${p}.bias`, [features], { scale: 0.01 });
  return g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: 1e-5 });
}

const silu = (g: GraphBuilder, x: string) => g.op('Mul', [x, g.op('Sigmoid', [x])]);

/** Multi-head attention [b, t, c] over context [b, s, cc], as diffusers' Attention (q/k/v without bias). */
function attention(
  g: GraphBuilder,
  count: Counter,
  parameters: {
    x: string;
    context: string;
    p: string;
    batch: number;
    tokens: number;
    contextTokens: number;
    features: number;
    contextFeatures: number;
    heads: number;
    qkvBias?: boolean;
    mask?: string;
  },
): string {
  const { x, context, p, batch, tokens, contextTokens, features, contextFeatures, heads } = parameters;
  const d = features / heads;
  const bias = parameters.qkvBias ?? false;
  const split = (y: string, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [y, g.int64s([0, 0, heads, d])])], { perm });
  const q = split(dense(g, count, x, `${p}.to_q`, batch * tokens, features, features, bias), [0, 2, 1, 3]);
  const k = split(
    dense(g, count, context, `${p}.to_k`, batch * contextTokens, contextFeatures, features, bias),
    [0, 2, 3, 1],
  );
  const v = split(
    dense(g, count, context, `${p}.to_v`, batch * contextTokens, contextFeatures, features, bias),
    [0, 2, 1, 3],
  );
  count.macs += 2 * batch * tokens * contextTokens * features;
  let scores = g.op('Mul', [g.op('MatMul', [q, k]), g.float32s([1 / Math.sqrt(d)])]);
  if (parameters.mask) scores = g.op('Add', [scores, parameters.mask]);
  const attended = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
  const merged = g.op('Reshape', [
    g.op('Transpose', [attended], { perm: [0, 2, 1, 3] }),
    g.int64s([0, 0, features]),
  ]);
  return dense(g, count, merged, `${p}.to_out.0`, batch * tokens, features, features);
}

/** Builds SD 1.5's UNet for `batch` (2 with guidance) and a latent side (64 for 512×512). */
export function buildSd15Unet(parameters: { batch: number; latent: number; seed: number }): Sd15Graph {
  const { batch, latent, seed } = parameters;
  const count: Counter = { macs: 0, parameters: 0 };
  const g = createGraphBuilder({ name: 'sd15_unet_random', seed });
  const sample = g.input('sample', 'float32', ['batch', 4, 'height', 'width']);
  const timestep = g.input('timestep', 'int64', ['batch']);
  const states = g.input('encoder_hidden_states', 'float32', ['batch', 77, 768]);
  const half = 160;
  const frequencies = Array.from({ length: half }, (_, k) => Math.exp((-Math.log(10000) * k) / half));
  const angles = g.op('Mul', [
    g.op('Unsqueeze', [g.op('Cast', [timestep], { to: 1 }), g.int64s([-1])]),
    g.float32s(frequencies, [half]),
  ]);
  const tproj = g.op('Concat', [g.op('Cos', [angles]), g.op('Sin', [angles])], { axis: -1 });
  const temb = dense(
    g,
    count,
    silu(g, dense(g, count, tproj, 'time_embedding.linear_1', batch, 320, 1280)),
    'time_embedding.linear_2',
    batch,
    1280,
    1280,
  );
  const tembAct = silu(g, temb);

  const resnet = (x: string, p: string, inC: number, outC: number, side: number) => {
    const s = { batch, outH: side, outW: side };
    let h = conv(
      g,
      count,
      silu(g, groupNorm(g, count, x, `${p}.norm1`, inC)),
      `${p}.conv1`,
      { ...s, inC, outC },
      3,
    );
    const t = dense(g, count, tembAct, `${p}.time_emb_proj`, batch, 1280, outC);
    h = g.op('Add', [h, g.op('Unsqueeze', [t, g.int64s([2, 3])])]);
    h = conv(
      g,
      count,
      silu(g, groupNorm(g, count, h, `${p}.norm2`, outC)),
      `${p}.conv2`,
      { ...s, inC: outC, outC },
      3,
    );
    const shortcut = inC === outC ? x : conv(g, count, x, `${p}.conv_shortcut`, { ...s, inC, outC }, 1);
    return g.op('Add', [shortcut, h]);
  };

  const transformer = (x: string, p: string, c: number, side: number) => {
    const tokens = side * side;
    const s = { batch, outH: side, outW: side, inC: c, outC: c };
    const shape = g.op('Shape', [x]);
    const projected = conv(g, count, groupNorm(g, count, x, `${p}.norm`, c), `${p}.proj_in`, s, 1);
    let h = g.op('Transpose', [g.op('Reshape', [projected, g.int64s([0, c, -1])])], { perm: [0, 2, 1] });
    const b = `${p}.transformer_blocks.0`;
    const rows = batch * tokens;
    const base = { batch, tokens, features: c, heads: 8 };
    const n1 = layerNorm(g, count, h, `${b}.norm1`, c);
    h = g.op('Add', [
      h,
      attention(g, count, {
        ...base,
        x: n1,
        context: n1,
        p: `${b}.attn1`,
        contextTokens: tokens,
        contextFeatures: c,
      }),
    ]);
    const n2 = layerNorm(g, count, h, `${b}.norm2`, c);
    h = g.op('Add', [
      h,
      attention(g, count, {
        ...base,
        x: n2,
        context: states,
        p: `${b}.attn2`,
        contextTokens: 77,
        contextFeatures: 768,
      }),
    ]);
    const n3 = layerNorm(g, count, h, `${b}.norm3`, c);
    const [value, gate] = g.node(
      'Split',
      [dense(g, count, n3, `${b}.ff.net.0.proj`, rows, c, 8 * c), g.int64s([4 * c, 4 * c])],
      { axis: -1 },
      { outputs: 2 },
    ) as [string, string];
    const erf = g.op('Erf', [g.op('Div', [gate, g.float32s([Math.SQRT2])])]);
    const geglu = g.op('Mul', [
      value,
      g.op('Mul', [g.op('Mul', [gate, g.float32s([0.5])]), g.op('Add', [erf, g.float32s([1])])]),
    ]);
    h = g.op('Add', [h, dense(g, count, geglu, `${b}.ff.net.2`, rows, 4 * c, c)]);
    const back = g.op('Reshape', [g.op('Transpose', [h], { perm: [0, 2, 1] }), shape]);
    return g.op('Add', [conv(g, count, back, `${p}.proj_out`, s, 1), x]);
  };

  const widths = [320, 640, 1280, 1280];
  let side = latent;
  let h = conv(g, count, sample, 'conv_in', { batch, inC: 4, outC: 320, outH: side, outW: side }, 3);
  let channels = 320;
  const skips: { value: string; channels: number }[] = [{ value: h, channels }];
  widths.forEach((out, i) => {
    for (let j = 0; j < 2; j++) {
      h = resnet(h, `down_blocks.${i}.resnets.${j}`, channels, out, side);
      channels = out;
      if (i < 3) h = transformer(h, `down_blocks.${i}.attentions.${j}`, out, side);
      skips.push({ value: h, channels });
    }
    if (i < 3) {
      side /= 2;
      h = conv(
        g,
        count,
        h,
        `down_blocks.${i}.downsamplers.0.conv`,
        { batch, inC: out, outC: out, outH: side, outW: side },
        3,
        2,
      );
      skips.push({ value: h, channels });
    }
  });
  h = resnet(h, 'mid_block.resnets.0', 1280, 1280, side);
  h = transformer(h, 'mid_block.attentions.0', 1280, side);
  h = resnet(h, 'mid_block.resnets.1', 1280, 1280, side);
  [...widths].reverse().forEach((out, i) => {
    for (let j = 0; j < 3; j++) {
      const skip = skips.pop()!;
      h = g.op('Concat', [h, skip.value], { axis: 1 });
      h = resnet(h, `up_blocks.${i}.resnets.${j}`, channels + skip.channels, out, side);
      channels = out;
      if (i > 0) h = transformer(h, `up_blocks.${i}.attentions.${j}`, out, side);
    }
    if (i < 3) {
      side *= 2;
      const up = g.op('Resize', [h, '', g.float32s([1, 1, 2, 2])], { mode: 'nearest' });
      h = conv(
        g,
        count,
        up,
        `up_blocks.${i}.upsamplers.0.conv`,
        { batch, inC: out, outC: out, outH: side, outW: side },
        3,
      );
    }
  });
  const out = conv(
    g,
    count,
    silu(g, groupNorm(g, count, h, 'conv_norm_out', 320)),
    'conv_out',
    { batch, inC: 320, outC: 4, outH: side, outW: side },
    3,
  );
  g.output(out, 'float32', ['batch', 4, 'height', 'width'], 'out_sample');
  return { builder: g, macs: count.macs, parameters: count.parameters };
}

/** Builds SD 1.5's CLIP text encoder (batch 1, 77 tokens: the worker encodes each prompt alone). */
export function buildSd15TextEncoder(seed: number): Sd15Graph {
  const count: Counter = { macs: 0, parameters: 0 };
  const g = createGraphBuilder({ name: 'sd15_text_encoder_random', seed });
  const hidden = 768;
  const tokens = 77;
  const ids = g.input('input_ids', 'int32', [1, tokens]);
  let x = g.op('Add', [
    g.op('Gather', [weight(g, count, 'token_embedding', [49_408, hidden], 0.02), ids], { axis: 0 }),
    weight(g, count, 'position_embedding', [tokens, hidden], 0.02),
  ]);
  const mask = new Float32Array(tokens * tokens);
  for (let i = 0; i < tokens; i++) for (let j = i + 1; j < tokens; j++) mask[i * tokens + j] = -1e9;
  const causal = g.initializer('causal_mask', 'float32', [tokens, tokens], mask);
  for (let l = 0; l < 12; l++) {
    const p = `text_model.encoder.layers.${l}`;
    const n1 = layerNorm(g, count, x, `${p}.layer_norm1`, hidden);
    x = g.op('Add', [
      x,
      attention(g, count, {
        x: n1,
        context: n1,
        p: `${p}.self_attn`,
        batch: 1,
        tokens,
        contextTokens: tokens,
        features: hidden,
        contextFeatures: hidden,
        heads: 12,
        qkvBias: true,
        mask: causal,
      }),
    ]);
    const n2 = layerNorm(g, count, x, `${p}.layer_norm2`, hidden);
    const fc1 = dense(g, count, n2, `${p}.mlp.fc1`, tokens, hidden, 3072);
    const quickGelu = g.op('Mul', [fc1, g.op('Sigmoid', [g.op('Mul', [fc1, g.float32s([1.702])])])]);
    x = g.op('Add', [x, dense(g, count, quickGelu, `${p}.mlp.fc2`, tokens, 3072, hidden)]);
  }
  const last = layerNorm(g, count, x, 'text_model.final_layer_norm', hidden);
  g.output(last, 'float32', [1, tokens, hidden], 'last_hidden_state');
  return { builder: g, macs: count.macs, parameters: count.parameters };
}
