import type { BackendCapabilities } from '../backend/types.js';
import { listModels } from '../models/listModels.js';

/** Decoding features the LLM backend implements (listed in the worker handshake). */
export const llmFeatures = [
  'chat_template',
  'greedy',
  'sampling',
  'temperature',
  'top_k',
  'top_p',
  'min_p',
  'typical_p',
  'repetition_penalty',
  'stop_strings',
] as const;

/** What the LLM backend can run here, without loading any model: the LLM models of the store. */
export async function getLlmCapabilities(modelsDir: string): Promise<BackendCapabilities> {
  const models = await listModels(modelsDir, 'llm');
  return { taskType: 'llm', models: models.map((m) => m.modelId), features: [...llmFeatures] };
}
