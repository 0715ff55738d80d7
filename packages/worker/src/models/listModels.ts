import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ModelManifest, readManifest } from './manifest.js';

/** Every model in the store with a valid manifest (optionally only those for one task type), sorted by id. */
export async function listModels(
  modelsDir: string,
  taskType?: ModelManifest['taskType'],
): Promise<ModelManifest[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
  const out: ModelManifest[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const manifest = await readManifest(join(modelsDir, entry.name)).catch(() => undefined);
    if (manifest && (taskType === undefined || manifest.taskType === taskType)) out.push(manifest);
  }
  return out.sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
}
