import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManifest, getModelDir, writeManifest } from '../../models/index.js';
import {
  buildTinyTextEncoder,
  buildTinyUnet,
  buildTinyVaeDecoder,
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
}: WriteTinySdModelParameters): Promise<string> {
  const dir = getModelDir(modelsDir, modelId);
  const { vocab, merges } = createTinyClipVocabulary();
  const sizes = { ...defaultTinySdSizes, vocabSize: Object.keys(vocab).length };
  const files: Record<string, string | Uint8Array> = {
    'text_encoder/model.onnx': buildTinyTextEncoder(seed, sizes),
    'unet/model.onnx': buildTinyUnet(seed + 1, sizes, timestepType, timestepShape),
    'vae_decoder/model.onnx': buildTinyVaeDecoder(seed + 2, sizes),
    'vae_decoder/config.json': JSON.stringify({ _class_name: 'AutoencoderKL', scaling_factor: 0.18215 }),
    'tokenizer/vocab.json': JSON.stringify(vocab),
    'tokenizer/merges.txt': merges.join('\n'),
    'tokenizer/special_tokens_map.json': JSON.stringify({
      bos_token: '<|startoftext|>',
      eos_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
    }),
    'tokenizer/tokenizer_config.json': JSON.stringify({ model_max_length: 77 }),
    'scheduler/scheduler_config.json': JSON.stringify(sd15SchedulerConfig),
    'model_index.json': JSON.stringify({
      _class_name: 'OnnxStableDiffusionPipeline',
      _diffusers_version: '0.6.0',
      scheduler: ['diffusers', 'PNDMScheduler'],
      text_encoder: ['diffusers', 'OnnxRuntimeModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      unet: ['diffusers', 'OnnxRuntimeModel'],
      vae_decoder: ['diffusers', 'OnnxRuntimeModel'],
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
