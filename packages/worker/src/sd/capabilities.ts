import type { BackendCapabilities } from '../backend/types.js';
import { listModels } from '../models/index.js';
import { schedulerMethods } from './schedulers/createScheduler.js';

/** Task fields for image inputs this backend runs (task version 1.1.0). */
export const sdImageFeatures = ['init_image', 'inpaint'] as const;

/**
 * What the Stable Diffusion backend offers without loading anything: the `sd` models of the store and the
 * scheduler names tasks may use, and the image-input fields.
 *
 * @example
 * const { models, features } = await getSdCapabilities(modelsDir);
 */
export async function getSdCapabilities(modelsDir: string): Promise<BackendCapabilities> {
  const models = (await listModels(modelsDir, 'sd')).map((m) => m.modelId);
  return { taskType: 'sd', models, features: [...schedulerMethods, ...sdImageFeatures] };
}
