import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';

/** Name of the manifest file inside every model folder. */
export const manifestFileName = 'verinet-model.json';

export const modelFileSchema = z.strictObject({
  /** Path inside the model folder with `/` separators, e.g. `onnx/model.onnx`. */
  path: z
    .string()
    .min(1)
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must stay inside the model folder'),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const modelManifestSchema = z.strictObject({
  format: z.literal(1),
  modelId: z.string(),
  /** The backend the model is for. */
  taskType: z.enum(['sd', 'llm', 'sd_ft']),
  files: z.array(modelFileSchema),
});

export type ModelFile = z.infer<typeof modelFileSchema>;
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** sha256 (hex) of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Lists and hashes every file of a model folder (except the manifest) into a manifest. */
export async function createManifest(
  modelDir: string,
  modelId: string,
  taskType: ModelManifest['taskType'],
): Promise<ModelManifest> {
  const entries = await readdir(modelDir, { recursive: true, withFileTypes: true });
  const files: ModelFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const path = relative(modelDir, full).split(sep).join('/');
    if (path === manifestFileName) continue;
    files.push({ path, size: (await stat(full)).size, sha256: await hashFile(full) });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { format: 1, modelId, taskType, files };
}

/** Writes the manifest atomically (temp file + rename). */
export async function writeManifest(modelDir: string, manifest: ModelManifest): Promise<void> {
  const target = join(modelDir, manifestFileName);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temp, target);
}

/** Reads and validates a model folder's manifest; undefined when the folder or manifest does not exist. */
export async function readManifest(modelDir: string): Promise<ModelManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(modelDir, manifestFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return modelManifestSchema.parse(JSON.parse(text));
}
