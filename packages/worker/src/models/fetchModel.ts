import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { downloadFile } from './downloadFile.js';
import {
  DownloadConnectionError,
  DownloadHttpError,
  ModelIdMismatchError,
  ModelIntegrityError,
} from './errors.js';
import { getModelDir, getModelFolderName } from './getModelDir.js';
import {
  hashFile,
  type ModelManifest,
  manifestFileName,
  modelManifestSchema,
  writeManifest,
} from './manifest.js';
import { removeEmptyFolders } from './removeEmptyFolders.js';

export type FetchModelParameters = {
  modelsDir: string;
  modelId: string;
  /** Folder URL holding `verinet-model.json` and the files it lists (same relative paths). */
  baseUrl: string;
  idleTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((file: string, received: number, total: number | undefined) => void) | undefined;
};

/**
 * Fetches a model into the store: reads the remote manifest, downloads every file with resume and sha256
 * checks into `<modelsDir>/.partial/<folder>`, then moves the complete folder into place in one rename.
 * An interrupted fetch resumes where it stopped when run again; a failed one leaves no empty folder. A remote
 * manifest naming another model is a ModelIdMismatchError. This is an operator step: tasks never fetch.
 *
 * @example
 * await fetchModel({ modelsDir, modelId: 'verinet/tiny-gpt2', baseUrl: 'https://models.example/tiny-gpt2/' });
 */
export async function fetchModel(parameters: FetchModelParameters): Promise<ModelManifest> {
  const { modelsDir, modelId } = parameters;
  const base = parameters.baseUrl.endsWith('/') ? parameters.baseUrl : `${parameters.baseUrl}/`;
  const folder = getModelFolderName(modelId);
  const staging = join(modelsDir, '.partial', folder);

  // The manifest comes first: a model that cannot be fetched at all leaves no folder behind.
  const manifestUrl = new URL(manifestFileName, base).href;
  let response: Response;
  try {
    response = await fetch(manifestUrl, { signal: parameters.signal ?? null });
  } catch (error) {
    if (parameters.signal?.aborted) throw error;
    // Nothing was received and nothing is kept: the server did not answer.
    throw new DownloadConnectionError(base, error);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new DownloadHttpError(manifestUrl, response.status);
  }
  const parsed = modelManifestSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new ModelIntegrityError(modelId, manifestUrl, 'is not a valid model manifest');
  const manifest = parsed.data;
  if (manifest.modelId !== modelId) throw new ModelIdMismatchError(modelId, manifest.modelId, manifestUrl);

  // The first folder this call creates (undefined when they all exist): nothing above it is ours to remove.
  const created = await mkdir(staging, { recursive: true });
  try {
    for (const file of manifest.files) {
      const dest = join(staging, file.path);
      // Files completed by an earlier, interrupted fetch are kept when they still verify.
      const done = await stat(dest).then(
        async (info) => info.size === file.size && (await hashFile(dest)) === file.sha256,
        () => false,
      );
      if (done) continue;
      await downloadFile({
        url: new URL(file.path, base).href,
        dest,
        sha256: file.sha256,
        size: file.size,
        idleTimeoutMs: parameters.idleTimeoutMs,
        signal: parameters.signal,
        onProgress: (received, total) => parameters.onProgress?.(file.path, received, total),
      });
    }
  } catch (error) {
    // Partial files stay for the next run to resume; folders holding nothing do not.
    if (await removeEmptyFolders(staging)) {
      // Empty folders above go too, up to (not including) the parent of the first folder this call made.
      const stop = created === undefined ? dirname(staging) : dirname(created);
      for (let dir = dirname(staging); dir !== stop && dir.startsWith(stop); dir = dirname(dir)) {
        if (
          !(await rmdir(dir).then(
            () => true,
            () => false,
          ))
        )
          break;
      }
    }
    throw error;
  }
  await writeManifest(staging, manifest);

  const target = getModelDir(modelsDir, modelId);
  const old = join(modelsDir, '.partial', `${folder}.old-${process.pid}`);
  await rename(target, old).catch(() => {});
  await rename(staging, target);
  await rm(old, { recursive: true, force: true });
  return manifest;
}
