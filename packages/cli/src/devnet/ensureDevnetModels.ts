import { existsSync } from 'node:fs';
import { CommandError } from '../cli/errors.js';

export type DevnetModels = {
  dir: string;
  /** true: the tiny random-weight models this devnet wrote (noise images, gibberish text). */
  tiny: boolean;
  /** Tiny models only: written by this start (false: kept from an earlier one). */
  written?: boolean | undefined;
  /** Model ids held, by task type. */
  ids: { llm: string[]; sd: string[]; sd_ft: string[] };
};

export const tinyModelIds = { llm: 'verinet/tiny-gpt2', sd: 'verinet/tiny-sd' } as const;

/**
 * The model store the devnet's nodes run on: `modelsDir` when given (a folder made by `verinet model import`
 * or `fetch`), else the tiny random-weight models, written into `tinyDir` when missing (under a second,
 * offline: nothing can be downloaded here).
 *
 * @example
 * const models = await ensureDevnetModels({ tinyDir: '.verinet/devnet/models' });
 */
export async function ensureDevnetModels(parameters: {
  tinyDir: string;
  modelsDir?: string | undefined;
}): Promise<DevnetModels> {
  // Loaded on use: the model store pulls in onnx-proto and transformers.js.
  const { listModels } = await import('@verinet/worker/models');
  if (parameters.modelsDir !== undefined) {
    const dir = parameters.modelsDir;
    if (!existsSync(dir))
      throw new CommandError(`--models ${dir}: no such folder.`, {
        details: ['Import a model first: `npx verinet model import ./my-model --models-dir ' + dir + '`.'],
      });
    const manifests = await listModels(dir);
    if (manifests.length === 0)
      throw new CommandError(`--models ${dir} holds no model (no folder with a verinet-model.json).`, {
        details: ['Import one with `npx verinet model import ./my-model --models-dir ' + dir + '`.'],
      });
    return { dir, tiny: false, written: false, ids: groupIds(manifests) };
  }
  const dir = parameters.tinyDir;
  let manifests = await listModels(dir);
  const held = new Set(manifests.map((m) => m.modelId));
  const written = !held.has(tinyModelIds.llm) || !held.has(tinyModelIds.sd);
  if (written) {
    const { writeTinyGpt2 } = await import('@verinet/worker/llm');
    const { writeTinySdModel } = await import('@verinet/worker/sd/tiny');
    if (!held.has(tinyModelIds.llm)) await writeTinyGpt2({ modelsDir: dir });
    if (!held.has(tinyModelIds.sd)) await writeTinySdModel({ modelsDir: dir, modelId: tinyModelIds.sd });
    manifests = await listModels(dir);
  }
  return { dir, tiny: true, written, ids: groupIds(manifests) };
}

function groupIds(manifests: { modelId: string; taskType: 'llm' | 'sd' | 'sd_ft' }[]): DevnetModels['ids'] {
  const ids: DevnetModels['ids'] = { llm: [], sd: [], sd_ft: [] };
  for (const manifest of manifests) ids[manifest.taskType].push(manifest.modelId);
  return ids;
}
