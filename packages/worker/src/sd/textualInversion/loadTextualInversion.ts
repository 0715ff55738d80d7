import { readAdapterFile } from '../adapterFiles.js';
import { readSafetensors, SafetensorsFormatError } from '../safetensors/index.js';
import { SdTextualInversionError } from './errors.js';
import { parseEmbeddingFile, type TextualInversionEmbedding } from './parseEmbeddingFile.js';

/** diffusers' `save_pretrained` name for a learned embedding. */
export const defaultEmbeddingFileName = 'learned_embeds.safetensors';

/**
 * Reads one textual-inversion embedding of a task from the model store.
 *
 * @throws SdTextualInversionError for a malformed file; SdUnsupportedArgumentError for a pickle (.pt/.bin).
 */
export async function loadTextualInversion(parameters: {
  modelsDir: string;
  model: string;
  fileName?: string | undefined;
  token?: string | undefined;
  field: string;
}): Promise<TextualInversionEmbedding> {
  const { modelsDir, model, fileName, token, field } = parameters;
  const { file, bytes } = await readAdapterFile({
    modelsDir,
    modelId: model,
    fileName,
    preferred: [defaultEmbeddingFileName],
    field,
  });
  try {
    return parseEmbeddingFile(readSafetensors(bytes, file), { embedding: model, file, token });
  } catch (error) {
    if (error instanceof SafetensorsFormatError)
      throw new SdTextualInversionError({
        embedding: model,
        file,
        reason: error.shortMessage.replace(/\.$/, ''),
      });
    throw error;
  }
}
