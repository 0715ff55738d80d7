import type { BackendCapabilities } from '../backend/types.js';
import { listModels } from '../models/index.js';
import { schedulerMethods } from './schedulers/createScheduler.js';

/**
 * What the Stable Diffusion backend offers without loading anything: the `sd` models of the store and the
 * scheduler names tasks may use.
 *
 * @example
 * const { models, features } = await getSdCapabilities(modelsDir);
 */
export async function getSdCapabilities(modelsDir: string): Promise<BackendCapabilities> {
  const models = (await listModels(modelsDir, 'sd')).map((m) => m.modelId);
  return { taskType: 'sd', models, features: [...schedulerMethods] };
}
