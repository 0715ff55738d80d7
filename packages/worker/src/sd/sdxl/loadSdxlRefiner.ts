import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { resolveModel } from '../../models/index.js';
import { type GetSdSessionOptionsParameters, getSdSessionOptions } from '../model/sessionOptions.js';
import {
  type ModelSchedulerConfig,
  parseSchedulerConfig,
  parseSchedulerConfigText,
  type SchedulerMethod,
} from '../schedulers/index.js';
import { SdxlModelError } from './errors.js';

/** The refiner's own scheduler classes we run (its scheduler_config.json `_class_name`). */
const refinerSchedulerClasses: Partial<Record<string, SchedulerMethod>> = {
  DDIMScheduler: 'DDIM',
  PNDMScheduler: 'PNDM',
  EulerDiscreteScheduler: 'EulerDiscrete',
  EulerAncestralDiscreteScheduler: 'EulerAncestralDiscrete',
  DPMSolverMultistepScheduler: 'DPMSolverMultistep',
};

export type SdxlRefiner = {
  modelId: string;
  unet: InferenceSession;
  timestepType: 'float32' | 'int64';
  timestepLength: 'batch' | 'one';
  /** The sampler of the refiner's own scheduler config, as diffusers loads the refiner pipeline. */
  schedulerMethod: SchedulerMethod;
  schedulerConfig: ModelSchedulerConfig;
  /** model_index.json: time_ids end with the aesthetic score (5 ids) instead of the target size (6). */
  requiresAestheticsScore: boolean;
  /** model_index.json `force_zeros_for_empty_prompt` (false for stabilityai's refiner). */
  zerosForEmptyNegative: boolean;
  release(): Promise<void>;
};

/**
 * Opens an SDXL refiner model of the store (stabilityai/stable-diffusion-xl-refiner-1.0 in optimum's ONNX
 * layout): `unet/model.onnx` with `sample`, `timestep`, `encoder_hidden_states` [b, s, width of the base's
 * text encoder 2], `text_embeds`, `time_ids` [b, 5 or 6] → `out_sample`, its scheduler config and
 * model_index.json. Its text encoder and VAE are not read: the reference network runs the refiner with the
 * base model's text_encoder_2, tokenizer_2 and VAE.
 *
 * @throws SdxlModelError naming the file when the refiner lacks part of that interface.
 */
export async function loadSdxlRefiner(
  parameters: GetSdSessionOptionsParameters & { modelsDir: string; modelId: string },
): Promise<SdxlRefiner> {
  const { modelsDir, modelId } = parameters;
  const { dir } = await resolveModel({ modelsDir, modelId });
  const fail = (file: string, reason: string): never => {
    throw new SdxlModelError({ model: modelId, file, reason });
  };
  const readJson = async (file: string, parse: (text: string) => unknown = JSON.parse) => {
    const text = await readFile(join(dir, file), 'utf8').catch(() => fail(file, 'the file is missing'));
    try {
      return parse(text) as Record<string, unknown>;
    } catch (error) {
      return fail(file, `not JSON (${(error as Error).message})`);
    }
  };
  const index = await readJson('model_index.json');
  const rawScheduler = await readJson('scheduler/scheduler_config.json', parseSchedulerConfigText);
  const schedulerConfig = parseSchedulerConfig(rawScheduler, modelId);
  const className = schedulerConfig.className ?? '(no _class_name)';
  const schedulerMethod = refinerSchedulerClasses[className];
  if (!schedulerMethod)
    fail(
      'scheduler/scheduler_config.json',
      `the refiner's scheduler ${className} is not run by this worker version (${Object.keys(refinerSchedulerClasses).join(', ')})`,
    );
  if (!(await stat(join(dir, 'unet', 'model.onnx')).catch(() => undefined))?.isFile())
    fail('unet/model.onnx', 'the file is missing');
  let unet: InferenceSession;
  try {
    unet = await InferenceSession.create(join(dir, 'unet', 'model.onnx'), getSdSessionOptions(parameters));
  } catch (error) {
    return fail('unet/model.onnx', `onnxruntime cannot load it (${(error as Error).message})`);
  }
  try {
    for (const name of ['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids'])
      if (!unet.inputNames.includes(name)) fail('unet/model.onnx', `no input "${name}"`);
    if (!unet.outputNames.includes('out_sample')) fail('unet/model.onnx', 'no output "out_sample"');
    const timestep = unet.inputMetadata.find((m) => m.name === 'timestep');
    const timestepType = timestep?.isTensor ? timestep.type : undefined;
    if (timestepType !== 'float32' && timestepType !== 'int64')
      fail('unet/model.onnx', 'input "timestep" must be float32 or int64');
    const requiresAestheticsScore = index.requires_aesthetics_score === true;
    const timeIds = unet.inputMetadata.find((m) => m.name === 'time_ids');
    const idCount = timeIds?.isTensor ? timeIds.shape[1] : undefined;
    const expected = requiresAestheticsScore ? 5 : 6;
    if (typeof idCount === 'number' && idCount !== expected)
      fail(
        'unet/model.onnx',
        `time_ids has ${idCount} ids but model_index.json requires_aesthetics_score is ${requiresAestheticsScore} (${expected} ids)`,
      );
    const fixedToOne = timestep?.isTensor === true && timestep.shape.length === 1 && timestep.shape[0] === 1;
    return {
      modelId,
      unet,
      timestepType: timestepType as 'float32' | 'int64',
      timestepLength: fixedToOne ? 'one' : 'batch',
      schedulerMethod: schedulerMethod as SchedulerMethod,
      schedulerConfig,
      requiresAestheticsScore,
      zerosForEmptyNegative: index.force_zeros_for_empty_prompt !== false,
      release: () => unet.release(),
    };
  } catch (error) {
    await unet.release();
    throw error;
  }
}
