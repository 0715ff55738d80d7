import type { LlmTaskArgs } from './llm.js';
import { formatModelId } from './modelId.js';
import type { TaskArgsByType } from './parseTaskArgs.js';
import type { SdTaskArgs } from './sd.js';
import type { SdFinetuneTaskArgs } from './sdFinetune.js';
import type { TaskType } from './taskType.js';

/**
 * The model ids a task needs, base model first (the contracts prefer nodes that hold `modelIds[0]`).
 * Hash them with `getModelId` for `createTask`.
 *
 * @example
 * getTaskModelIds('sd', args) // ['base:runwayml/stable-diffusion-v1-5']
 */
export function getTaskModelIds<T extends TaskType>(taskType: T, args: TaskArgsByType[T]): string[] {
  if (taskType === 'llm') {
    return [formatModelId({ kind: 'base', id: (args as LlmTaskArgs).model, variant: null })];
  }
  if (taskType === 'sd_ft') {
    const { model } = args as SdFinetuneTaskArgs;
    return [formatModelId({ kind: 'base', id: model.name, variant: model.variant ?? null })];
  }
  const sd = args as SdTaskArgs;
  const ids = [formatModelId({ kind: 'base', id: sd.base_model.name, variant: sd.base_model.variant })];
  for (const lora of sd.lora ?? []) ids.push(formatModelId({ kind: 'lora', id: lora.model }));
  if (sd.controlnet) {
    ids.push(
      formatModelId({ kind: 'controlnet', id: sd.controlnet.model, variant: sd.controlnet.variant ?? null }),
    );
  }
  return ids;
}
