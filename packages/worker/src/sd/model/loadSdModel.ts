import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { resolveModel } from '../../models/index.js';
import { SdModelFormatError, SdModelNotFoundError } from '../errors.js';
import {
  type ModelSchedulerConfig,
  parseSchedulerConfig,
  parseSchedulerConfigText,
} from '../schedulers/index.js';
import { type ClipTokenizer, loadClipTokenizer } from '../tokenizer/index.js';
import { type GetSdSessionOptionsParameters, getSdSessionOptions } from './sessionOptions.js';

/** Files a Stable Diffusion model folder must hold (diffusers' ONNX export layout). */
export const sdModelFiles = [
  'model_index.json',
  'text_encoder/model.onnx',
  'unet/model.onnx',
  'vae_decoder/model.onnx',
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
  'scheduler/scheduler_config.json',
] as const;

/** SD 1.x latent scale; vae_decoder/config.json `scaling_factor` overrides it. */
export const defaultVaeScalingFactor = 0.18215;

export type SdModel = {
  modelId: string;
  dir: string;
  tokenizer: ClipTokenizer;
  textEncoder: InferenceSession;
  unet: InferenceSession;
  vaeDecoder: InferenceSession;
  /** scheduler/scheduler_config.json, type-checked; merged with the task's scheduler args per task. */
  schedulerConfig: ModelSchedulerConfig;
  vaeScalingFactor: number;
  /** Element type of the text encoder's `input_ids` (int32 in diffusers' export, int64 in some others). */
  inputIdsType: 'int32' | 'int64';
  /** Element type of the UNet's `timestep`. */
  timestepType: 'float32' | 'int64';
  /** Length of the `timestep` input: the batch (diffusers' export), or 1 where a graph fixes it to [1]. */
  timestepLength: 'batch' | 'one';
  /** UNet `sample` channels: 4, or 9 for an inpainting UNet (latents, mask, masked-image latents). */
  unetInChannels: number;
  /**
   * The optional `vae_encoder/model.onnx` (image-to-image, inpainting): `sample` [b, 3, H, W] →
   * `latent_parameters` [b, 8, h, w] (mean and log-variance, sampled by the pipeline with seeded noise) or
   * `latent_sample` [b, 4, h, w] (used as is; the graph must then be deterministic).
   */
  vaeEncoder: { session: InferenceSession; output: 'latent_parameters' | 'latent_sample' } | undefined;
  /**
   * The size a task of version 1.2.0 gets when it leaves image_width/image_height out: unet/config.json
   * `sample_size` × the VAE scale factor, as diffusers (512 for SD 1.x, 768 for SD 2.x 768-v, 1024 for SDXL).
   */
  defaultImageSize: { width: number; height: number };
  /** Frees the three sessions. */
  release(): Promise<void>;
};

export type LoadSdModelParameters = GetSdSessionOptionsParameters & {
  modelsDir: string;
  modelId: string;
  /**
   * Rewrites a graph's bytes before its session is created (adapters: LoRA merged into initializers,
   * textual-inversion rows added to the token embedding). Called with the file path inside the model folder.
   */
  prepareGraph?: ((file: string, bytes: Uint8Array) => Promise<Uint8Array>) | undefined;
};

type TensorType = 'float32' | 'int32' | 'int64';

function checkIo(
  model: string,
  file: string,
  session: InferenceSession,
  inputs: Record<string, readonly TensorType[]>,
  outputs: readonly string[],
): Record<string, TensorType> {
  const types: Record<string, TensorType> = {};
  for (const [name, allowed] of Object.entries(inputs)) {
    const meta = session.inputMetadata.find((m) => m.name === name);
    if (!meta)
      throw new SdModelFormatError({
        model,
        file,
        reason: `no input "${name}" (has ${session.inputNames.join(', ')})`,
      });
    const type = meta.isTensor ? (meta.type as TensorType) : undefined;
    if (type === undefined || !allowed.includes(type))
      throw new SdModelFormatError({
        model,
        file,
        reason: `input "${name}" is ${String(type)}, expected ${allowed.join(' or ')}`,
      });
    types[name] = type;
  }
  for (const name of outputs) {
    if (!session.outputNames.includes(name))
      throw new SdModelFormatError({
        model,
        file,
        reason: `no output "${name}" (has ${session.outputNames.join(', ')})`,
      });
  }
  return types;
}

/** Whether an input is declared with the static shape [1] (some exports fix the timestep that way). */
function fixedToOne(session: InferenceSession, name: string): boolean {
  const meta = session.inputMetadata.find((m) => m.name === name);
  return meta?.isTensor === true && meta.shape.length === 1 && meta.shape[0] === 1;
}

async function readJson(
  model: string,
  dir: string,
  file: string,
  parse: (text: string) => unknown = JSON.parse,
): Promise<unknown> {
  const text = await readFile(join(dir, file), 'utf8');
  try {
    return parse(text);
  } catch (error) {
    throw new SdModelFormatError({ model, file, reason: `not JSON (${(error as Error).message})` });
  }
}

/**
 * diffusers' VAE scale factor: 2^(len(block_out_channels) − 1) from vae_decoder/config.json, else 8 (every
 * SD 1.x/2.x/XL VAE has four blocks).
 */
async function readVaeScaleFactor(model: string, dir: string): Promise<number> {
  const file = 'vae_decoder/config.json';
  if (!(await stat(join(dir, file)).catch(() => undefined))) return 8;
  const { block_out_channels: blocks } = (await readJson(model, dir, file)) as {
    block_out_channels?: unknown;
  };
  if (blocks === undefined) return 8;
  if (!Array.isArray(blocks) || blocks.length < 1 || blocks.length > 6)
    throw new SdModelFormatError({ model, file, reason: 'block_out_channels must be a list of 1…6 widths' });
  return 2 ** (blocks.length - 1);
}

/**
 * The default image size diffusers' pipelines take when a task leaves it out: unet/config.json `sample_size`
 * (a number or [height, width], default 64) × the VAE scale factor. 512 for SD 1.x, 768 for SD 2.x 768-v,
 * 1024 for SDXL.
 */
async function readDefaultImageSize(model: string, dir: string): Promise<{ width: number; height: number }> {
  const scale = await readVaeScaleFactor(model, dir);
  const file = 'unet/config.json';
  const fromSample = (height: number, width: number) => {
    const size = { width: width * scale, height: height * scale };
    if (
      size.width % 8 ||
      size.height % 8 ||
      size.width > 2048 ||
      size.height > 2048 ||
      size.width < 64 ||
      size.height < 64
    )
      throw new SdModelFormatError({
        model,
        file,
        reason: `sample_size × VAE scale ${scale} gives ${size.width}×${size.height}, not multiples of 8 in 64…2048`,
      });
    return size;
  };
  if (!(await stat(join(dir, file)).catch(() => undefined))) return fromSample(64, 64);
  const { sample_size: size } = (await readJson(model, dir, file)) as { sample_size?: unknown };
  const valid = (n: unknown): n is number =>
    typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 2048;
  if (size === undefined) return fromSample(64, 64);
  if (valid(size)) return fromSample(size, size);
  if (Array.isArray(size) && size.length === 2 && valid(size[0]) && valid(size[1]))
    return fromSample(size[0], size[1]);
  throw new SdModelFormatError({ model, file, reason: 'sample_size must be an integer or [height, width]' });
}

/**
 * Loads a Stable Diffusion model from the local store: checks the store manifest and the diffusers ONNX
 * layout, opens the three graphs with the pinned session options and checks their input/output names.
 *
 * @throws SdModelNotFoundError when a required file is missing.
 * @throws SdModelFormatError when a graph lacks the expected inputs/outputs or a config is malformed.
 * @example
 * const model = await loadSdModel({ modelsDir, modelId: 'verinet/tiny-sd', threads: 2, executionProvider: 'cpu' });
 */
export async function loadSdModel(parameters: LoadSdModelParameters): Promise<SdModel> {
  const { modelsDir, modelId } = parameters;
  const { dir } = await resolveModel({ modelsDir, modelId });
  for (const file of sdModelFiles) {
    const info = await stat(join(dir, file)).catch(() => undefined);
    if (!info?.isFile())
      throw new SdModelNotFoundError({ model: modelId, path: join(dir, file), reason: `${file} is missing` });
  }
  const schedulerConfig = parseSchedulerConfig(
    await readJson(modelId, dir, 'scheduler/scheduler_config.json', parseSchedulerConfigText),
    modelId,
  );
  let vaeScalingFactor = defaultVaeScalingFactor;
  const vaeConfigPath = 'vae_decoder/config.json';
  if (await stat(join(dir, vaeConfigPath)).catch(() => undefined)) {
    const vaeConfig = (await readJson(modelId, dir, vaeConfigPath)) as { scaling_factor?: unknown };
    if (vaeConfig.scaling_factor !== undefined) {
      if (typeof vaeConfig.scaling_factor !== 'number' || !(vaeConfig.scaling_factor > 0))
        throw new SdModelFormatError({
          model: modelId,
          file: vaeConfigPath,
          reason: 'scaling_factor must be a positive number',
        });
      vaeScalingFactor = vaeConfig.scaling_factor;
    }
  }
  const tokenizer = await loadClipTokenizer({ folder: join(dir, 'tokenizer'), model: modelId });
  const defaultImageSize = await readDefaultImageSize(modelId, dir);
  const options = getSdSessionOptions(parameters);
  const sessions: InferenceSession[] = [];
  const { prepareGraph } = parameters;
  const open = async (file: string) => {
    // Adapter errors (bad LoRA, unknown module) surface as themselves, outside the onnxruntime catch below.
    const prepared =
      prepareGraph && (await prepareGraph(file, new Uint8Array(await readFile(join(dir, file)))));
    try {
      const session = await (prepared
        ? InferenceSession.create(prepared, options)
        : InferenceSession.create(join(dir, file), options));
      sessions.push(session);
      return session;
    } catch (error) {
      throw new SdModelFormatError({
        model: modelId,
        file,
        reason: `onnxruntime cannot load it (${(error as Error).message})`,
      });
    }
  };
  try {
    const textEncoder = await open('text_encoder/model.onnx');
    const unet = await open('unet/model.onnx');
    const vaeDecoder = await open('vae_decoder/model.onnx');
    const textTypes = checkIo(
      modelId,
      'text_encoder/model.onnx',
      textEncoder,
      { input_ids: ['int32', 'int64'] },
      ['last_hidden_state'],
    );
    const unetTypes = checkIo(
      modelId,
      'unet/model.onnx',
      unet,
      { sample: ['float32'], timestep: ['float32', 'int64'], encoder_hidden_states: ['float32'] },
      ['out_sample'],
    );
    checkIo(modelId, 'vae_decoder/model.onnx', vaeDecoder, { latent_sample: ['float32'] }, ['sample']);
    let vaeEncoder: SdModel['vaeEncoder'];
    if (await stat(join(dir, 'vae_encoder/model.onnx')).catch(() => undefined)) {
      const session = await open('vae_encoder/model.onnx');
      checkIo(modelId, 'vae_encoder/model.onnx', session, { sample: ['float32'] }, []);
      const output = session.outputNames.includes('latent_parameters')
        ? 'latent_parameters'
        : session.outputNames.includes('latent_sample')
          ? 'latent_sample'
          : undefined;
      if (!output)
        throw new SdModelFormatError({
          model: modelId,
          file: 'vae_encoder/model.onnx',
          reason: `no output "latent_parameters" or "latent_sample" (has ${session.outputNames.join(', ')})`,
        });
      vaeEncoder = { session, output };
    }
    const sampleMeta = unet.inputMetadata.find((m) => m.name === 'sample');
    const channels = sampleMeta?.isTensor ? sampleMeta.shape[1] : undefined;
    const unetInChannels = typeof channels === 'number' ? channels : 4;
    if (unetInChannels !== 4 && unetInChannels !== 9)
      throw new SdModelFormatError({
        model: modelId,
        file: 'unet/model.onnx',
        reason: `sample has ${unetInChannels} channels (4, or 9 for inpainting)`,
      });
    return {
      modelId,
      dir,
      tokenizer,
      textEncoder,
      unet,
      vaeDecoder,
      schedulerConfig,
      vaeScalingFactor,
      inputIdsType: textTypes.input_ids as 'int32' | 'int64',
      timestepType: unetTypes.timestep as 'float32' | 'int64',
      timestepLength: fixedToOne(unet, 'timestep') ? 'one' : 'batch',
      unetInChannels,
      vaeEncoder,
      defaultImageSize,
      release: async () => {
        await Promise.all(sessions.map((s) => s.release()));
      },
    };
  } catch (error) {
    await Promise.all(sessions.map((s) => s.release()));
    throw error;
  }
}
