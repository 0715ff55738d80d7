import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelIdMismatchError, ModelIntegrityError, ModelNotFoundError } from './errors.js';
import { getModelDir } from './getModelDir.js';
import { hashFile, type ModelManifest, readManifest } from './manifest.js';

export type ResolveModelParameters = {
  modelsDir: string;
  modelId: string;
  /** `size` (default, fast: every file present with its size) or `sha256` (reads every byte). */
  check?: 'size' | 'sha256' | undefined;
};

export type ResolvedModel = { modelId: string; dir: string; manifest: ModelManifest };

/**
 * Finds a model in the local store and checks it against its manifest. Never fetches anything.
 *
 * @throws ModelNotFoundError when the model folder or its manifest is missing.
 * @throws ModelIntegrityError when a file is missing or differs from the manifest.
 * @throws ModelIdMismatchError when the folder's manifest names another model.
 */
export async function resolveModel(parameters: ResolveModelParameters): Promise<ResolvedModel> {
  const { modelsDir, modelId, check = 'size' } = parameters;
  const dir = getModelDir(modelsDir, modelId);
  let manifest: ModelManifest | undefined;
  try {
    manifest = await readManifest(dir);
  } catch (error) {
    throw new ModelIntegrityError(
      modelId,
      'verinet-model.json',
      `is unreadable (${(error as Error).message})`,
    );
  }
  if (!manifest) throw new ModelNotFoundError(modelId, modelsDir);
  if (manifest.modelId !== modelId) {
    throw new ModelIdMismatchError(modelId, manifest.modelId, join(dir, 'verinet-model.json'));
  }
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new ModelIntegrityError(modelId, file.path, 'is missing');
    if (info.size !== file.size) {
      throw new ModelIntegrityError(modelId, file.path, `has ${info.size} bytes, expected ${file.size}`);
    }
    if (check === 'sha256') {
      const sha256 = await hashFile(path);
      if (sha256 !== file.sha256) {
        throw new ModelIntegrityError(modelId, file.path, `has sha256 ${sha256}, expected ${file.sha256}`);
      }
    }
  }
  return { modelId, dir, manifest };
}
