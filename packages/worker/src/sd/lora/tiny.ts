import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createManifest, getModelDir, writeManifest } from '../../models/index.js';
import { createRandomStream } from '../../random/index.js';
import { type SafetensorsInput, writeSafetensors } from '../safetensors/index.js';
import { writeTinySdModel } from '../tiny/index.js';
import { type WeightsMapFile, weightsMapFileName, weightsMapFormat } from '../weights/index.js';

/** The module paths of the tiny SD graphs (sd/tiny), named as diffusers' UNet and transformers' CLIP name them. */
export const tinyWeightsMaps: Record<'text_encoder' | 'unet', WeightsMapFile> = {
  text_encoder: {
    format: weightsMapFormat,
    modules: {
      'text_model.embeddings.token_embedding': { initializer: 'token_embedding', layout: 'torch' },
      'text_model.encoder.layers.0.self_attn.q_proj': { initializer: 'block.attn.q', layout: 'transposed' },
      'text_model.encoder.layers.0.self_attn.k_proj': { initializer: 'block.attn.k', layout: 'transposed' },
      'text_model.encoder.layers.0.self_attn.v_proj': { initializer: 'block.attn.v', layout: 'transposed' },
      'text_model.encoder.layers.0.self_attn.out_proj': {
        initializer: 'block.attn.out.weight',
        layout: 'transposed',
      },
      'text_model.encoder.layers.0.mlp.fc1': { initializer: 'block.fc1.weight', layout: 'transposed' },
      'text_model.encoder.layers.0.mlp.fc2': { initializer: 'block.fc2.weight', layout: 'transposed' },
    },
  },
  unet: {
    format: weightsMapFormat,
    modules: {
      conv_in: { initializer: 'conv_in.weight', layout: 'torch' },
      'time_embedding.linear_1': { initializer: 'time_embedding.linear_1.weight', layout: 'transposed' },
      'time_embedding.linear_2': { initializer: 'time_embedding.linear_2.weight', layout: 'transposed' },
      'mid_block.resnets.0.conv1': { initializer: 'resnet.conv.weight', layout: 'torch' },
      'mid_block.attentions.0.transformer_blocks.0.attn2.to_q': {
        initializer: 'attn.q',
        layout: 'transposed',
      },
      'mid_block.attentions.0.transformer_blocks.0.attn2.to_k': {
        initializer: 'attn.k',
        layout: 'transposed',
      },
      'mid_block.attentions.0.transformer_blocks.0.attn2.to_v': {
        initializer: 'attn.v',
        layout: 'transposed',
      },
      'mid_block.attentions.0.transformer_blocks.0.attn2.to_out.0': {
        initializer: 'attn.out.weight',
        layout: 'transposed',
      },
      conv_out: { initializer: 'conv_out.weight', layout: 'torch' },
    },
  },
};

/**
 * Writes the tiny SD model (sd/tiny) with `weights_map.json` in its text_encoder/ and unet/ folders, so that
 * LoRAs and textual inversions can address its weights by module path.
 */
export async function writeTinyAdapterSdModel(parameters: {
  modelsDir: string;
  modelId: string;
  seed?: number | undefined;
}): Promise<string> {
  const dir = await writeTinySdModel(parameters);
  for (const [component, map] of Object.entries(tinyWeightsMaps))
    await writeFile(join(dir, component, weightsMapFileName), JSON.stringify(map, null, 2));
  await writeManifest(dir, await createManifest(dir, parameters.modelId, 'sd'));
  return dir;
}

/** Writes files (e.g. a LoRA or an embedding) as a model of the store, with its manifest. */
export async function writeTinyAdapterModel(parameters: {
  modelsDir: string;
  modelId: string;
  files: Record<string, Uint8Array | string>;
}): Promise<string> {
  const dir = getModelDir(parameters.modelsDir, parameters.modelId);
  for (const [path, contents] of Object.entries(parameters.files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  await writeManifest(dir, await createManifest(dir, parameters.modelId, 'sd'));
  return dir;
}

/** A module a tiny LoRA adapts: torch shapes [out, in] (Linear) or [out, in, k, k] (Conv). */
export type TinyLoraTarget = {
  component: 'unet' | 'text_encoder' | 'text_encoder_2';
  module: string;
  outFeatures: number;
  inFeatures: number;
  kernel?: number | undefined;
};

/** The tiny model's text-encoder attention and UNet cross-attention and resnet conv (hidden 32, channels 32). */
export const tinyLoraTargets: readonly TinyLoraTarget[] = [
  {
    component: 'text_encoder',
    module: 'text_model.encoder.layers.0.self_attn.q_proj',
    outFeatures: 32,
    inFeatures: 32,
  },
  {
    component: 'text_encoder',
    module: 'text_model.encoder.layers.0.mlp.fc1',
    outFeatures: 64,
    inFeatures: 32,
  },
  {
    component: 'unet',
    module: 'mid_block.attentions.0.transformer_blocks.0.attn2.to_k',
    outFeatures: 32,
    inFeatures: 32,
  },
  {
    component: 'unet',
    module: 'mid_block.attentions.0.transformer_blocks.0.attn2.to_out.0',
    outFeatures: 32,
    inFeatures: 32,
  },
  { component: 'unet', module: 'mid_block.resnets.0.conv1', outFeatures: 32, inFeatures: 32, kernel: 3 },
];

export type TinyLoraNaming = 'kohya' | 'peft' | 'diffusers';

/** The random low-rank pairs of a tiny LoRA: per target, down [rank, in(, k, k)] and up [out, rank(, 1, 1)]. */
export function createTinyLoraPairs(parameters: {
  seed: number;
  rank?: number | undefined;
  targets?: readonly TinyLoraTarget[] | undefined;
}): { target: TinyLoraTarget; down: SafetensorsInput; up: SafetensorsInput }[] {
  const { seed, rank = 4, targets = tinyLoraTargets } = parameters;
  const random = createRandomStream({ seed, stream: 7 });
  const fill = (count: number, scale: number) =>
    Float32Array.from({ length: count }, () => scale * random.nextSignedUnit());
  return targets.map((target) => {
    const k = target.kernel;
    const inner = target.inFeatures * (k ? k * k : 1);
    return {
      target,
      down: {
        shape: k ? [rank, target.inFeatures, k, k] : [rank, target.inFeatures],
        values: fill(rank * inner, 1 / Math.sqrt(inner)),
      },
      up: {
        shape: k ? [target.outFeatures, rank, 1, 1] : [target.outFeatures, rank],
        values: fill(target.outFeatures * rank, 0.5),
      },
    };
  });
}

/**
 * Encodes LoRA pairs as a safetensors file with kohya/A1111 keys (`lora_unet_<flattened>.lora_down.weight`,
 * `.lora_up.weight`, `.alpha`), PEFT keys (`unet.<module>.lora_A.weight` / `lora_B`) or the older diffusers
 * keys (`unet.<module>.lora.down.weight` / `.up`). `alpha` (kohya only) scales by alpha / rank.
 */
export function encodeTinyLora(
  pairs: ReturnType<typeof createTinyLoraPairs>,
  naming: TinyLoraNaming,
  alpha?: number | undefined,
): Uint8Array {
  const tensors: Record<string, SafetensorsInput> = {};
  const kohyaPrefix = { unet: 'lora_unet', text_encoder: 'lora_te', text_encoder_2: 'lora_te2' } as const;
  for (const { target, down, up } of pairs) {
    if (naming === 'kohya') {
      const base = `${kohyaPrefix[target.component]}_${target.module.replaceAll('.', '_')}`;
      tensors[`${base}.lora_down.weight`] = down;
      tensors[`${base}.lora_up.weight`] = up;
      if (alpha !== undefined) tensors[`${base}.alpha`] = { shape: [], values: [alpha] };
    } else {
      const base = `${target.component}.${target.module}`;
      tensors[naming === 'peft' ? `${base}.lora_A.weight` : `${base}.lora.down.weight`] = down;
      tensors[naming === 'peft' ? `${base}.lora_B.weight` : `${base}.lora.up.weight`] = up;
    }
  }
  return writeSafetensors(tensors);
}
