import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManifest, getModelDir, writeManifest } from '../../models/index.js';
import {
  buildTinyTextEncoder,
  buildTinyUnet,
  buildTinyVaeDecoder,
  buildTinyVaeEncoder,
  defaultTinySdSizes,
} from './tinyModels.js';
import { createTinyClipVocabulary } from './tinyTokenizer.js';

export type WriteTinySdModelParameters = {
  /** Root of a model store; the model goes to `<modelsDir>/<owner--name>` with a manifest. */
  modelsDir: string;
  /** Model id, e.g. `verinet/tiny-sd`. */
  modelId: string;
  /** Seed of the random weights. */
  seed?: number | undefined;
  /** Timestep input type of the UNet (diffusers exports float32). */
  timestepType?: 'float32' | 'int64' | undefined;
  /** Timestep input shape of the UNet: [batch] (diffusers) or a fixed [1]. */
  timestepShape?: 'batch' | 'one' | undefined;
  /**
   * `sd1` (default): SD 1.x layout. `inpaint`: a 9-channel UNet, as runwayml's inpainting model.
   * `sd2`: SD 2.x 768-v shape: a wider text encoder (SD 2's OpenCLIP ViT-H exported as a CLIPTextModel whose
   * penultimate-layer output is its last_hidden_state, so the same I/O), `!` as pad token, a v-prediction
   * DDIM scheduler config and unet/config.json sample_size 96 (768-pixel default).
   */
  kind?: 'sd1' | 'inpaint' | 'sd2' | undefined;
};

/** The scheduler_config.json stabilityai/stable-diffusion-2-1 (768-v) ships. */
export const sd21SchedulerConfig = {
  _class_name: 'DDIMScheduler',
  _diffusers_version: '0.8.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  prediction_type: 'v_prediction',
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
};

/** The scheduler_config.json Stable Diffusion 1.x ships (PNDM class; only the noise schedule is read). */
export const sd15SchedulerConfig = {
  _class_name: 'PNDMScheduler',
  _diffusers_version: '0.6.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
};

/**
 * Writes a tiny random-weight Stable Diffusion model in diffusers' ONNX layout (text_encoder, unet,
 * vae_decoder, tokenizer, scheduler, model_index.json) plus the store manifest, in well under a second.
 * Test fixture only: the weights are random, the images noise.
 *
 * @example
 * const dir = await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd', seed: 1 });
 */
export async function writeTinySdModel({
  modelsDir,
  modelId,
  seed = 1,
  timestepType = 'float32',
  timestepShape = 'batch',
  kind = 'sd1',
}: WriteTinySdModelParameters): Promise<string> {
  const dir = getModelDir(modelsDir, modelId);
  const { vocab, merges } = createTinyClipVocabulary();
  const sizes = {
    ...defaultTinySdSizes,
    vocabSize: Object.keys(vocab).length,
    ...(kind === 'sd2' ? { hidden: 48 } : {}),
  };
  const files: Record<string, string | Uint8Array> = {
    'text_encoder/model.onnx': buildTinyTextEncoder(seed, sizes),
    'unet/model.onnx': buildTinyUnet(
      seed + 1,
      sizes,
      timestepType,
      timestepShape,
      kind === 'inpaint' ? 9 : 4,
    ),
    'vae_decoder/model.onnx': buildTinyVaeDecoder(seed + 2, sizes),
    'vae_encoder/model.onnx': buildTinyVaeEncoder(seed + 3, sizes),
    'vae_decoder/config.json': JSON.stringify({ _class_name: 'AutoencoderKL', scaling_factor: 0.18215 }),
    'tokenizer/vocab.json': JSON.stringify(vocab),
    'tokenizer/merges.txt': merges.join('\n'),
    'tokenizer/special_tokens_map.json': JSON.stringify({
      bos_token: '<|startoftext|>',
      eos_token: '<|endoftext|>',
      pad_token: kind === 'sd2' ? '!' : '<|endoftext|>',
      unk_token: '<|endoftext|>',
    }),
    'tokenizer/tokenizer_config.json': JSON.stringify({ model_max_length: 77 }),
    'scheduler/scheduler_config.json': JSON.stringify(
      kind === 'sd2' ? sd21SchedulerConfig : sd15SchedulerConfig,
    ),
    ...(kind === 'sd2'
      ? { 'unet/config.json': JSON.stringify({ _class_name: 'UNet2DConditionModel', sample_size: 96 }) }
      : {}),
    'model_index.json': JSON.stringify({
      _class_name: kind === 'inpaint' ? 'OnnxStableDiffusionInpaintPipeline' : 'OnnxStableDiffusionPipeline',
      _diffusers_version: '0.6.0',
      scheduler: ['diffusers', kind === 'sd2' ? 'DDIMScheduler' : 'PNDMScheduler'],
      text_encoder: ['diffusers', 'OnnxRuntimeModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      unet: ['diffusers', 'OnnxRuntimeModel'],
      vae_decoder: ['diffusers', 'OnnxRuntimeModel'],
      vae_encoder: ['diffusers', 'OnnxRuntimeModel'],
    }),
  };
  for (const [path, contents] of Object.entries(files)) {
    const full = join(dir, path);
    await mkdir(join(full, '..'), { recursive: true });
    await writeFile(full, contents);
  }
  await writeManifest(dir, await createManifest(dir, modelId, 'sd'));
  return dir;
}
