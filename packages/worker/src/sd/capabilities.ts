import type { BackendCapabilities } from '../backend/types.js';
import { listModels } from '../models/index.js';
import { schedulerMethods } from './schedulers/createScheduler.js';

/** Task fields for image inputs this backend runs (task version 1.1.0). */
export const sdImageFeatures = ['init_image', 'inpaint'] as const;

/** Adapter fields (task version 1.1.0), the ControlNet preprocessors, SDXL base models and the refiner (1.2.0). */
export const sdAdapterFeatures = [
  'lora',
  'textual_inversion',
  'controlnet',
  'controlnet.preprocess.canny',
  'sdxl',
  'sdxl.refiner',
] as const;

/**
 * What the Stable Diffusion backend offers without loading anything: the `sd` models of the store and the
 * scheduler names tasks may use, the image-input fields and the adapters.
 *
 * @example
 * const { models, features } = await getSdCapabilities(modelsDir);
 */
export async function getSdCapabilities(modelsDir: string): Promise<BackendCapabilities> {
  const models = (await listModels(modelsDir, 'sd')).map((m) => m.modelId);
  return {
    taskType: 'sd',
    models,
    features: [...schedulerMethods, ...sdImageFeatures, ...sdAdapterFeatures],
  };
}
