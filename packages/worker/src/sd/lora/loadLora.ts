import { readAdapterFile } from '../adapterFiles.js';
import { readSafetensors, SafetensorsFormatError } from '../safetensors/index.js';
import { SdLoraError } from './errors.js';
import type { WeightedLora } from './mergeLoras.js';
import { parseLoraFile } from './parseLoraFile.js';

/** diffusers' `save_lora_weights` file name, chosen when the task names no file and the model has it. */
export const defaultLoraFileName = 'pytorch_lora_weights.safetensors';

export type LoadLoraParameters = {
  modelsDir: string;
  /** LoRA model id in the store. */
  model: string;
  /** `weight_file_name` of the task, if any. */
  fileName?: string | undefined;
  /** The task's weight in percent (0–100). */
  weightPercent: number;
  /** Task field for errors, e.g. `lora.0`. */
  field: string;
};

/**
 * Reads one LoRA of a task from the model store and parses its low-rank pairs (see `parseLoraFile`).
 *
 * @throws SdLoraError for a malformed file; SdUnsupportedArgumentError for a pickle or an ambiguous file.
 */
export async function loadLora(parameters: LoadLoraParameters): Promise<WeightedLora> {
  const { modelsDir, model, fileName, weightPercent, field } = parameters;
  const { file, bytes } = await readAdapterFile({
    modelsDir,
    modelId: model,
    fileName,
    preferred: [defaultLoraFileName],
    field,
  });
  let modules: WeightedLora['modules'];
  try {
    modules = parseLoraFile(readSafetensors(bytes, file), { lora: model, file });
  } catch (error) {
    if (error instanceof SafetensorsFormatError)
      throw new SdLoraError({ lora: model, file, reason: error.shortMessage.replace(/\.$/, '') });
    throw error;
  }
  return { lora: model, file, weight: weightPercent / 100, modules };
}
