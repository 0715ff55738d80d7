import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManifest, getModelDir, writeManifest } from '../../models/index.js';
import { attention, conv2d, createGraphBuilder, gelu, layerNorm, linear, silu } from '../../onnx/index.js';
import { buildTinyVaeDecoder, createTinyClipVocabulary, defaultTinySdSizes } from '../tiny/index.js';

/** Widths of the tiny SDXL graphs: text encoder 1 and 2 (its pooled projection too), UNet channels. */
export const tinySdxlSizes = { hidden1: 32, hidden2: 48, layers: 2, channels: 32, positions: 77 } as const;

/**
 * A CLIP-like text encoder with `layers` pre-norm causal blocks, exported as optimum exports SDXL's encoders:
 * `input_ids` int32 -> `last_hidden_state`, `hidden_states.0` (embeddings) … `hidden_states.<layers>` (the last
 * block, before the final norm), and `pooler_output` (encoder 1) or `text_embeds` (encoder 2: the pooled state
 * through a bias-free projection). Pooling takes the end-of-text state (arg-max id), as CLIP does.
 */
export function buildTinySdxlTextEncoder(
  seed: number,
  hidden: number,
  projection: boolean,
  vocabSize: number,
): Uint8Array {
  const { layers, positions } = tinySdxlSizes;
  const g = createGraphBuilder({
    name: projection ? 'tiny_sdxl_text_encoder_2' : 'tiny_sdxl_text_encoder',
    seed,
  });
  const ids = g.input('input_ids', 'int32', ['batch', 'sequence']);
  const tokens = g.op(
    'Gather',
    [
      g.randomInitializer('text_model.embeddings.token_embedding.weight', [vocabSize, hidden], { scale: 1 }),
      ids,
    ],
    { axis: 0 },
  );
  const length = g.op('Gather', [g.op('Shape', [ids]), g.int64s([1])], { axis: 0 });
  const table = g.randomInitializer('text_model.embeddings.position_embedding.weight', [positions, hidden], {
    scale: 0.5,
  });
  let x = g.op('Add', [tokens, g.op('Slice', [table, g.int64s([0]), length, g.int64s([0])])]);
  const mask = new Float32Array(positions * positions);
  for (let i = 0; i < positions; i++) for (let j = i + 1; j < positions; j++) mask[i * positions + j] = -1e9;
  const maskTable = g.initializer('causal_mask', 'float32', [positions, positions], mask);
  const causal = g.op('Slice', [
    maskTable,
    g.int64s([0, 0]),
    g.op('Concat', [length, length], { axis: 0 }),
    g.int64s([0, 1]),
  ]);
  g.output(x, 'float32', ['batch', 'sequence', hidden], 'hidden_states.0');
  for (let l = 0; l < layers; l++) {
    const p = `text_model.encoder.layers.${l}`;
    const normed = layerNorm(g, x, `${p}.layer_norm1`, hidden);
    x = g.op('Add', [
      x,
      attention(g, {
        query: normed,
        context: normed,
        prefix: `${p}.self_attn`,
        features: hidden,
        contextFeatures: hidden,
        mask: causal,
      }),
    ]);
    const mlp = linear(
      g,
      gelu(g, linear(g, layerNorm(g, x, `${p}.layer_norm2`, hidden), `${p}.mlp.fc1`, hidden, 2 * hidden)),
      `${p}.mlp.fc2`,
      2 * hidden,
      hidden,
    );
    x = g.op('Add', [x, mlp]);
    g.output(x, 'float32', ['batch', 'sequence', hidden], `hidden_states.${l + 1}`);
  }
  const last = layerNorm(g, x, 'text_model.final_layer_norm', hidden);
  g.output(last, 'float32', ['batch', 'sequence', hidden], 'last_hidden_state');
  const eos = g.op('ArgMax', [g.op('Cast', [ids], { to: 7 })], { axis: 1, keepdims: 1 });
  const index = g.op('Expand', [g.op('Unsqueeze', [eos, g.int64s([2])]), g.int64s([1, 1, hidden])]);
  const pooled = g.op('Squeeze', [g.op('GatherElements', [last, index], { axis: 1 }), g.int64s([1])]);
  if (projection) {
    const projected = g.op('MatMul', [pooled, g.randomInitializer('text_projection', [hidden, hidden])]);
    g.output(projected, 'float32', ['batch', hidden], 'text_embeds');
  } else {
    g.output(pooled, 'float32', ['batch', hidden], 'pooler_output');
  }
  return g.toBytes();
}

/**
 * A UNet-shaped denoiser with SDXL's added conditioning: `text_embeds` [batch, hidden2] and `time_ids`
 * [batch, 6] (sinusoids of each id, concatenated with the pooled text, through a SiLU MLP) added to the
 * timestep embedding, as diffusers' `add_embedding` does; cross-attention to `encoder_hidden_states`
 * [batch, sequence, hidden1 + hidden2].
 */
export function buildTinySdxlUnet(seed: number, options: { refiner?: boolean | undefined } = {}): Uint8Array {
  const { hidden1, hidden2, channels: c } = tinySdxlSizes;
  // The refiner's UNet attends to encoder 2's states only and takes 5 time ids (size, crop, aesthetic score).
  const context = options.refiner ? hidden2 : hidden1 + hidden2;
  const idCount = options.refiner ? 5 : 6;
  const g = createGraphBuilder({ name: options.refiner ? 'tiny_sdxl_refiner_unet' : 'tiny_sdxl_unet', seed });
  const sample = g.input('sample', 'float32', ['batch', 4, 'height', 'width']);
  const timestep = g.input('timestep', 'float32', ['batch']);
  const states = g.input('encoder_hidden_states', 'float32', ['batch', 'sequence', context]);
  const textEmbeds = g.input('text_embeds', 'float32', ['batch', hidden2]);
  const timeIds = g.input('time_ids', 'float32', ['batch', idCount]);
  const sinusoid = (t: string, count: number, half: number) => {
    const frequencies = Array.from({ length: half }, (_, k) => 2 ** -(k + 4));
    const angles = g.op('Mul', [g.op('Unsqueeze', [t, g.int64s([-1])]), g.float32s(frequencies, [half])]);
    return g.op('Reshape', [
      g.op('Concat', [g.op('Sin', [angles]), g.op('Cos', [angles])], { axis: -1 }),
      g.int64s([0, count * 2 * half]),
    ]);
  };
  const temb = linear(
    g,
    silu(g, linear(g, sinusoid(timestep, 1, c / 2), 'time_embedding.linear_1', c, c)),
    'time_embedding.linear_2',
    c,
    c,
  );
  const added = g.op('Concat', [textEmbeds, sinusoid(timeIds, idCount, 4)], { axis: 1 });
  const aemb = linear(
    g,
    silu(g, linear(g, added, 'add_embedding.linear_1', hidden2 + idCount * 8, c)),
    'add_embedding.linear_2',
    c,
    c,
  );
  const emb = g.op('Unsqueeze', [g.op('Add', [temb, aemb]), g.int64s([2, 3])]);
  const h0 = g.op('Add', [conv2d(g, sample, 'conv_in', 4, c), emb]);
  const h1 = g.op('Add', [h0, conv2d(g, silu(g, h0), 'mid_block.resnets.0.conv1', c, c)]);
  const shape = g.op('Shape', [h1]);
  const tokens = g.op('Transpose', [g.op('Reshape', [h1, g.int64s([0, 0, -1])])], { perm: [0, 2, 1] });
  const attended = attention(g, {
    query: layerNorm(g, tokens, 'mid_block.attn.norm', c),
    context: states,
    prefix: 'mid_block.attn',
    features: c,
    contextFeatures: context,
  });
  const back = g.op('Reshape', [
    g.op('Transpose', [g.op('Add', [tokens, attended])], { perm: [0, 2, 1] }),
    shape,
  ]);
  g.output(
    g.op('Mul', [conv2d(g, silu(g, back), 'conv_out', c, 4), g.float32s([4])]),
    'float32',
    ['batch', 4, 'height', 'width'],
    'out_sample',
  );
  return g.toBytes();
}

/** SDXL's shipped scheduler config (EulerDiscreteScheduler, leading spacing, steps_offset 1). */
export const sdxlSchedulerConfig = {
  _class_name: 'EulerDiscreteScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  interpolation_type: 'linear',
  num_train_timesteps: 1000,
  prediction_type: 'epsilon',
  steps_offset: 1,
  timestep_spacing: 'leading',
  trained_betas: null,
  use_karras_sigmas: false,
};

/**
 * Writes a tiny random-weight SDXL model in the ONNX layout optimum exports (text_encoder, text_encoder_2,
 * tokenizer, tokenizer_2 with pad token "!", unet with text_embeds/time_ids, vae_decoder with scaling factor
 * 0.13025, scheduler, model_index.json with force_zeros_for_empty_prompt) plus the store manifest.
 */
export async function writeTinySdxlModel(parameters: {
  modelsDir: string;
  modelId: string;
  seed?: number | undefined;
}): Promise<string> {
  const { modelsDir, modelId, seed = 1 } = parameters;
  const dir = getModelDir(modelsDir, modelId);
  const { vocab, merges } = createTinyClipVocabulary();
  const vocabSize = Object.keys(vocab).length;
  const tokenizerFiles = (pad: string) => ({
    'vocab.json': JSON.stringify(vocab),
    'merges.txt': merges.join('\n'),
    'special_tokens_map.json': JSON.stringify({
      bos_token: '<|startoftext|>',
      eos_token: '<|endoftext|>',
      pad_token: pad,
      unk_token: '<|endoftext|>',
    }),
    'tokenizer_config.json': JSON.stringify({ model_max_length: 77 }),
  });
  const files: Record<string, string | Uint8Array> = {
    'text_encoder/model.onnx': buildTinySdxlTextEncoder(seed, tinySdxlSizes.hidden1, false, vocabSize),
    'text_encoder_2/model.onnx': buildTinySdxlTextEncoder(seed + 10, tinySdxlSizes.hidden2, true, vocabSize),
    'unet/model.onnx': buildTinySdxlUnet(seed + 1),
    'vae_decoder/model.onnx': buildTinyVaeDecoder(seed + 2, defaultTinySdSizes),
    'vae_decoder/config.json': JSON.stringify({ _class_name: 'AutoencoderKL', scaling_factor: 0.13025 }),
    ...Object.fromEntries(
      Object.entries(tokenizerFiles('<|endoftext|>')).map(([k, v]) => [`tokenizer/${k}`, v]),
    ),
    ...Object.fromEntries(Object.entries(tokenizerFiles('!')).map(([k, v]) => [`tokenizer_2/${k}`, v])),
    'scheduler/scheduler_config.json': JSON.stringify(sdxlSchedulerConfig),
    'model_index.json': JSON.stringify({
      _class_name: 'ORTStableDiffusionXLPipeline',
      force_zeros_for_empty_prompt: true,
      requires_aesthetics_score: false,
    }),
  };
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  await writeManifest(dir, await createManifest(dir, modelId, 'sd'));
  return dir;
}

/** stabilityai/stable-diffusion-xl-refiner-1.0's model_index.json flags (as optimum keeps them). */
export const sdxlRefinerModelIndex = {
  _class_name: 'ORTStableDiffusionXLImg2ImgPipeline',
  force_zeros_for_empty_prompt: false,
  requires_aesthetics_score: true,
};

/**
 * Writes a tiny random-weight SDXL refiner in the ONNX layout (unet with encoder-2-wide
 * encoder_hidden_states, text_embeds and 5 time_ids; the refiner's EulerDiscrete scheduler config;
 * model_index.json with requires_aesthetics_score) plus the store manifest. Like the reference network, the
 * pipeline takes the text encoder 2 and VAE from the base model, so none is written.
 */
export async function writeTinySdxlRefiner(parameters: {
  modelsDir: string;
  modelId: string;
  seed?: number | undefined;
  modelIndex?: Record<string, unknown> | undefined;
  schedulerConfig?: Record<string, unknown> | undefined;
}): Promise<string> {
  const { modelsDir, modelId, seed = 5 } = parameters;
  const dir = getModelDir(modelsDir, modelId);
  const files: Record<string, string | Uint8Array> = {
    'unet/model.onnx': buildTinySdxlUnet(seed, { refiner: true }),
    'scheduler/scheduler_config.json': JSON.stringify(parameters.schedulerConfig ?? sdxlSchedulerConfig),
    'model_index.json': JSON.stringify(parameters.modelIndex ?? sdxlRefinerModelIndex),
  };
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  await writeManifest(dir, await createManifest(dir, modelId, 'sd'));
  return dir;
}
