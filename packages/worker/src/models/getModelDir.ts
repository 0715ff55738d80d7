import { join } from 'node:path';
import { ModelIdError } from './errors.js';

const segment = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The folder name of a model in the store: the hub id with `/` replaced by `--`. Hub ids cannot contain
 * `--` or `..`, which keeps the mapping one-to-one and inside the store.
 *
 * @example getModelFolderName('Qwen/Qwen2.5-0.5B-Instruct') // 'Qwen--Qwen2.5-0.5B-Instruct'
 */
export function getModelFolderName(modelId: string): string {
  if (modelId.length === 0 || modelId.length > 200) throw new ModelIdError(modelId, 'empty or too long');
  if (modelId.includes('--') || modelId.includes('..')) throw new ModelIdError(modelId, 'contains -- or ..');
  const parts = modelId.split('/');
  if (parts.length > 2 || !parts.every((p) => segment.test(p))) {
    throw new ModelIdError(modelId, 'expected owner/name made of letters, digits, ., _ and -');
  }
  return parts.join('--');
}

/** The absolute folder of a model in the store `<modelsDir>/<owner--name>`. */
export function getModelDir(modelsDir: string, modelId: string): string {
  return join(modelsDir, getModelFolderName(modelId));
}
