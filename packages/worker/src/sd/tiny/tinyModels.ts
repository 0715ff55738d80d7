import { attention, conv2d, createGraphBuilder, gelu, layerNorm, linear, silu } from '../../onnx/index.js';

/** Sizes of the tiny random-weight Stable Diffusion graphs. */
export type TinySdSizes = {
  vocabSize: number;
  /** Text encoder width (the UNet's cross-attention context width). */
  hidden: number;
  /** Maximum token positions of the text encoder. */
  positions: number;
  /** UNet channels. */
  unetChannels: number;
  /** VAE decoder channels. */
  vaeChannels: number;
};

export const defaultTinySdSizes: TinySdSizes = {
  vocabSize: 523,
  hidden: 32,
  positions: 77,
  unetChannels: 32,
  vaeChannels: 16,
};

/**
 * A CLIP-like text encoder: token + position embeddings, one pre-norm causal self-attention block with a
 * GELU MLP, final LayerNorm. Inputs/outputs as diffusers exports them: `input_ids` int32 [batch, sequence]
 * -> `last_hidden_state` float32 [batch, sequence, hidden] and `pooler_output` [batch, hidden] (the state at
 * the highest token id, i.e. end-of-text, as CLIP pools).
 */
export function buildTinyTextEncoder(seed: number, sizes: TinySdSizes = defaultTinySdSizes): Uint8Array {
  const { vocabSize, hidden, positions } = sizes;
  const g = createGraphBuilder({ name: 'tiny_clip_text_encoder', seed });
  const ids = g.input('input_ids', 'int32', ['batch', 'sequence']);
  const tokens = g.op(
    'Gather',
    [g.randomInitializer('token_embedding', [vocabSize, hidden], { scale: 1 }), ids],
    {
      axis: 0,
    },
  );
  const length = g.op('Gather', [g.op('Shape', [ids]), g.int64s([1])], { axis: 0 }); // [1]
  const positionTable = g.randomInitializer('position_embedding', [positions, hidden], { scale: 0.5 });
  const positionEmbeddings = g.op('Slice', [positionTable, g.int64s([0]), length, g.int64s([0])]);
  const x = g.op('Add', [tokens, positionEmbeddings]);
  // Causal mask: large negative above the diagonal, sliced to the sequence length.
  const mask = new Float32Array(positions * positions);
  for (let i = 0; i < positions; i++) for (let j = i + 1; j < positions; j++) mask[i * positions + j] = -1e9;
  const maskTable = g.initializer('causal_mask', 'float32', [positions, positions], mask);
  const lengths = g.op('Concat', [length, length], { axis: 0 });
  const causal = g.op('Slice', [maskTable, g.int64s([0, 0]), lengths, g.int64s([0, 1])]);
  const normed = layerNorm(g, x, 'block.norm1', hidden);
  const attended = g.op('Add', [
    x,
    attention(g, {
      query: normed,
      context: normed,
      prefix: 'block.attn',
      features: hidden,
      contextFeatures: hidden,
      mask: causal,
    }),
  ]);
  const mlp = linear(
    g,
    gelu(g, linear(g, layerNorm(g, attended, 'block.norm2', hidden), 'block.fc1', hidden, 2 * hidden)),
    'block.fc2',
    2 * hidden,
    hidden,
  );
  const last = layerNorm(g, g.op('Add', [attended, mlp]), 'final_norm', hidden);
  g.output(last, 'float32', ['batch', 'sequence', hidden], 'last_hidden_state');
  const eosIndex = g.op('ArgMax', [g.op('Cast', [ids], { to: 7 })], { axis: 1, keepdims: 1 }); // [batch, 1]
  const gatherIndex = g.op('Expand', [
    g.op('Unsqueeze', [eosIndex, g.int64s([2])]),
    g.int64s([1, 1, hidden]),
  ]);
  const pooled = g.op('Squeeze', [g.op('GatherElements', [last, gatherIndex], { axis: 1 }), g.int64s([1])]);
  g.output(pooled, 'float32', ['batch', hidden], 'pooler_output');
  return g.toBytes();
}

/**
 * A UNet-shaped denoiser: conv in, sinusoidal timestep embedding through a SiLU MLP added per channel, a
 * residual conv block, cross-attention from every latent pixel to the text states, conv out to 4 channels.
 * Inputs/outputs as diffusers' ONNX export: `sample` float32 [batch, 4, h, w], `timestep` [batch] (float32,
 * or int64 and/or a fixed [1] when asked), `encoder_hidden_states` float32 [batch, sequence, hidden] ->
 * `out_sample`.
 */
export function buildTinyUnet(
  seed: number,
  sizes: TinySdSizes = defaultTinySdSizes,
  timestepType: 'float32' | 'int64' = 'float32',
  timestepShape: 'batch' | 'one' = 'batch',
  /** 4, or 9 for an inpainting UNet (latents, mask, masked-image latents). */
  inChannels = 4,
): Uint8Array {
  const { hidden, unetChannels: c } = sizes;
  const g = createGraphBuilder({ name: 'tiny_unet', seed });
  const sample = g.input('sample', 'float32', ['batch', inChannels, 'height', 'width']);
  // Some exports fix the timestep to shape [1]; it then broadcasts over the batch.
  const timestep = g.input('timestep', timestepType, [timestepShape === 'batch' ? 'batch' : 1]);
  const context = g.input('encoder_hidden_states', 'float32', ['batch', 'sequence', hidden]);
  const h0 = conv2d(g, sample, 'conv_in', inChannels, c);
  // Timestep embedding: [sin(t f_k), cos(t f_k)] with f_k = 2^-k: powers of two keep the weights exact on
  // every engine (the 10000^(-k/half) of real UNets would need Math.exp, which engines may round differently).
  const t = timestepType === 'float32' ? timestep : g.op('Cast', [timestep], { to: 1 });
  const half = c / 2;
  const frequencies = Array.from({ length: half }, (_, k) => 2 ** -k);
  const angles = g.op('Mul', [g.op('Unsqueeze', [t, g.int64s([1])]), g.float32s(frequencies, [1, half])]);
  const sinusoid = g.op('Concat', [g.op('Sin', [angles]), g.op('Cos', [angles])], { axis: 1 });
  const embedding = linear(
    g,
    silu(g, linear(g, sinusoid, 'time_embedding.linear_1', c, c)),
    'time_embedding.linear_2',
    c,
    c,
  );
  const h1 = g.op('Add', [h0, g.op('Unsqueeze', [embedding, g.int64s([2, 3])])]);
  const h2 = g.op('Add', [h1, conv2d(g, silu(g, h1), 'resnet.conv', c, c)]);
  // Cross-attention over the flattened latent pixels.
  const spatialShape = g.op('Shape', [h2]);
  const tokens = g.op('Transpose', [g.op('Reshape', [h2, g.int64s([0, 0, -1])])], { perm: [0, 2, 1] });
  const attended = attention(g, {
    query: layerNorm(g, tokens, 'attn.norm', c),
    context,
    prefix: 'attn',
    features: c,
    contextFeatures: hidden,
  });
  const back = g.op('Reshape', [
    g.op('Transpose', [g.op('Add', [tokens, attended])], { perm: [0, 2, 1] }),
    spatialShape,
  ]);
  // Random weights give small outputs; the gain brings the noise prediction to the unit scale a trained UNet has.
  const out = g.op('Mul', [conv2d(g, silu(g, back), 'conv_out', c, 4), g.float32s([4])]);
  g.output(out, 'float32', ['batch', 4, 'height', 'width'], 'out_sample');
  return g.toBytes();
}

/**
 * A VAE-decoder-shaped upsampler: conv in, three (nearest ×2 resize, conv, SiLU) stages, conv out to RGB.
 * `latent_sample` float32 [batch, 4, h, w] -> `sample` float32 [batch, 3, 8h, 8w].
 */
export function buildTinyVaeDecoder(seed: number, sizes: TinySdSizes = defaultTinySdSizes): Uint8Array {
  const c = sizes.vaeChannels;
  const g = createGraphBuilder({ name: 'tiny_vae_decoder', seed });
  const latent = g.input('latent_sample', 'float32', ['batch', 4, 'latent_height', 'latent_width']);
  let h = silu(g, conv2d(g, latent, 'conv_in', 4, c));
  const scales = g.float32s([1, 1, 2, 2]);
  for (let stage = 0; stage < 3; stage++) {
    const up = g.op('Resize', [h, '', scales], { mode: 'nearest' });
    h = silu(g, conv2d(g, up, `up.${stage}.conv`, c, c));
  }
  // Gain so that random-weight images span the [-1, 1] pixel range instead of a flat grey.
  const image = g.op('Mul', [conv2d(g, h, 'conv_out', c, 3), g.float32s([8])]);
  g.output(image, 'float32', ['batch', 3, 'height', 'width'], 'sample');
  return g.toBytes();
}

/**
 * A VAE-encoder-shaped downsampler: conv in, three (conv, SiLU, 2×2 average pool) stages, conv out to the
 * 8 channels of a diagonal Gaussian (4 means, 4 log-variances) as optimum exports it:
 * `sample` float32 [batch, 3, H, W] -> `latent_parameters` float32 [batch, 8, H/8, W/8].
 */
export function buildTinyVaeEncoder(seed: number, sizes: TinySdSizes = defaultTinySdSizes): Uint8Array {
  const c = sizes.vaeChannels;
  const g = createGraphBuilder({ name: 'tiny_vae_encoder', seed });
  const image = g.input('sample', 'float32', ['batch', 3, 'height', 'width']);
  let h = silu(g, conv2d(g, image, 'conv_in', 3, c));
  for (let stage = 0; stage < 3; stage++) {
    const conv = silu(g, conv2d(g, h, `down.${stage}.conv`, c, c));
    h = g.op('AveragePool', [conv], { kernel_shape: [2, 2], strides: [2, 2] });
  }
  const moments = conv2d(g, h, 'conv_out', c, 8);
  // Log-variances well below 0 (std about 0.1), as a trained VAE's posterior is narrow.
  const shift = g.float32s([0, 0, 0, 0, -4, -4, -4, -4], [1, 8, 1, 1]);
  g.output(
    g.op('Add', [moments, shift]),
    'float32',
    ['batch', 8, 'latent_height', 'latent_width'],
    'latent_parameters',
  );
  return g.toBytes();
}
