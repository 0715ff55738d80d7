import { rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  fetchModel,
  getModelDir,
  getModelFolderName,
  importModel,
  type ModelManifest,
  readManifest,
  resolveModel,
} from '@verinet/worker/models';
import { ModelSourceError } from '../errors/index.js';

export type ModelProgress = { modelId: string; file: string; received: number; total: number | undefined };

export type CreateModelProviderParameters = {
  modelsDir: string;
  /**
   * Where missing models come from: an http(s) model server or a local folder, each holding one folder per
   * model (`<source>/<owner--name>/verinet-model.json` and the files it lists).
   */
  source: string;
  onProgress?: ((progress: ModelProgress) => void) | undefined;
  /** A download that receives nothing for this long fails (and is retried later, resuming). Default 60 s. */
  idleTimeoutMs?: number | undefined;
};

export type ModelProvider = {
  source: string;
  /**
   * Makes `modelId` usable in the store: nothing to do when it already verifies, else fetched from the
   * source with sha256 checks (an interrupted download resumes; a stale partial file is restarted). Concurrent
   * calls for one model share one download.
   */
  ensure: (modelId: string) => Promise<{ fetched: boolean; bytes: number }>;
};

/**
 * Fetches the models a node needs from a configured model server or local folder into its model store.
 *
 * @example
 * const models = createModelProvider({ modelsDir: '.verinet/models', source: 'http://127.0.0.1:8800/models' });
 * await models.ensure('verinet/tiny-gpt2');
 */
export function createModelProvider(parameters: CreateModelProviderParameters): ModelProvider {
  const { modelsDir, source } = parameters;
  const isUrl = /^https?:\/\//i.test(source);
  if (!isUrl && !isAbsolute(source) && !source.startsWith('.')) {
    throw new ModelSourceError(
      `Model source ${JSON.stringify(source)} is neither an http(s) URL nor a folder path.`,
    );
  }
  const inFlight = new Map<string, Promise<{ fetched: boolean; bytes: number }>>();

  const fetchOne = async (modelId: string): Promise<{ fetched: boolean; bytes: number }> => {
    const present = await resolveModel({ modelsDir, modelId }).then(
      () => true,
      () => false,
    );
    if (present) return { fetched: false, bytes: 0 };
    const folder = getModelFolderName(modelId);
    let manifest: ModelManifest;
    if (isUrl) {
      manifest = await fetchModel({
        modelsDir,
        modelId,
        baseUrl: `${source.replace(/\/+$/, '')}/${folder}/`,
        idleTimeoutMs: parameters.idleTimeoutMs ?? 60_000,
        onProgress: (file, received, total) => parameters.onProgress?.({ modelId, file, received, total }),
      });
    } else {
      manifest = await copyFromFolder(modelsDir, modelId, join(resolve(source), folder));
    }
    // The store's own check: every file present with its size and sha256.
    await resolveModel({ modelsDir, modelId });
    return { fetched: true, bytes: manifest.files.reduce((sum, f) => sum + f.size, 0) };
  };

  return {
    source,
    ensure(modelId) {
      const running = inFlight.get(modelId);
      if (running) return running;
      const started = fetchOne(modelId).finally(() => inFlight.delete(modelId));
      inFlight.set(modelId, started);
      return started;
    },
  };
}

/**
 * A model from a local folder (a mounted share, a USB disk): imported into the store, then checked file by
 * file against the folder's own manifest, so a corrupt copy is refused like a corrupt download.
 */
async function copyFromFolder(modelsDir: string, modelId: string, dir: string): Promise<ModelManifest> {
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new ModelSourceError(`The model folder ${dir} does not exist.`);
  }
  const expected = await readManifest(dir).catch(() => undefined);
  if (!expected) throw new ModelSourceError(`${dir} has no readable verinet-model.json.`);
  if (expected.modelId !== modelId) {
    throw new ModelSourceError(`${dir} holds ${expected.modelId}, not ${modelId}.`);
  }
  const stored = await importModel({
    modelsDir,
    sourceDir: dir,
    modelId,
    taskType: expected.taskType,
    replace: true,
  });
  // Checked on the store's copy (what the worker will read), and removed when it is not what was promised.
  const got = new Map(stored.files.map((f) => [f.path, f.sha256]));
  const bad = expected.files.find((f) => got.get(f.path) !== f.sha256);
  if (bad) {
    await rm(getModelDir(modelsDir, modelId), { recursive: true, force: true });
    throw new ModelSourceError(
      `${join(dir, bad.path)} does not match the sha256 in its manifest (a corrupt copy).`,
    );
  }
  return stored;
}
