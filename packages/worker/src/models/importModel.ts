import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ModelExistsError, ModelImportError } from './errors.js';
import { getModelDir, getModelFolderName } from './getModelDir.js';
import {
  hashFile,
  type ModelFile,
  type ModelManifest,
  manifestFileName,
  readManifest,
  writeManifest,
} from './manifest.js';

export type ImportModelParameters = {
  modelsDir: string;
  /** A local model folder: a diffusers ONNX layout (SD) or a transformers.js layout (LLM). */
  sourceDir: string;
  /** The id to store it under (`owner/name`). */
  modelId: string;
  /** Detected from the folder's files when left out. */
  taskType?: ModelManifest['taskType'] | undefined;
  /** Replace a model already stored under this id with other files (default false: ModelExistsError). */
  replace?: boolean | undefined;
};

/** Files a backend of this worker needs, per task type (the loaders check the rest when they open them). */
const requiredFiles: Record<ModelManifest['taskType'], string[]> = {
  llm: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'],
  sd: ['model_index.json', 'unet/model.onnx'],
  sd_ft: ['model_index.json'],
};

/**
 * Imports a local model folder into the store and writes its manifest (size and sha256 per file), as
 * `verinet model import DIR` does. Files are copied, never hard-linked: a hard link shares the file with the
 * source folder, so a later edit there would change the store behind its manifest (and links cannot cross
 * file systems). The copy asks for a copy-on-write clone (`COPYFILE_FICLONE`), which costs no space on file
 * systems that have it (btrfs, XFS) and is a plain copy elsewhere. The import is atomic: files go to
 * `<modelsDir>/.partial/`, are hashed there, and the complete folder is renamed into place; a failed import
 * leaves nothing behind. Hidden files and folders (`.git`, `.cache`) and an old `verinet-model.json` are
 * skipped; symbolic links are followed (a Hugging Face cache snapshot is links into `blobs/`).
 *
 * The task type comes from the files when not given: `model_index.json` → `sd`; `config.json` with
 * `tokenizer.json` → `llm`. Importing the same files again returns the stored manifest.
 *
 * @throws ModelImportError when the folder is missing, empty, of an unknown layout or lacks a required file.
 * @throws ModelExistsError when other files are stored under the id and `replace` is not set.
 * @example
 * const manifest = await importModel({ modelsDir: '.verinet/models', sourceDir: './qwen2.5-onnx', modelId: 'Qwen/Qwen2.5-0.5B-Instruct' });
 */
export async function importModel(parameters: ImportModelParameters): Promise<ModelManifest> {
  const { modelsDir, modelId } = parameters;
  const sourceDir = resolve(parameters.sourceDir);
  const folder = getModelFolderName(modelId);
  const info = await stat(sourceDir).catch(() => undefined);
  if (!info) throw new ModelImportError(sourceDir, 'no such folder');
  if (!info.isDirectory()) throw new ModelImportError(sourceDir, 'not a folder (pass the model folder)');

  const paths = await listModelFiles(sourceDir);
  if (paths.length === 0) throw new ModelImportError(sourceDir, 'the folder holds no files');
  const taskType = parameters.taskType ?? detectTaskType(sourceDir, paths);
  const missing = requiredFiles[taskType].filter((file) => !paths.includes(file));
  if (missing.length > 0) {
    throw new ModelImportError(
      sourceDir,
      `not a ${taskType} model this worker can load: ${missing.join(', ')} missing`,
      [
        taskType === 'llm'
          ? 'LLMs are loaded with transformers.js: an fp32 ONNX export in onnx/model.onnx with config.json, tokenizer.json and tokenizer_config.json (e.g. optimum-cli export onnx --task text-generation-with-past).'
          : 'Stable Diffusion models are loaded as the diffusers ONNX layout: model_index.json, text_encoder/, unet/, vae_decoder/, tokenizer/, scheduler/ (e.g. optimum-cli export onnx --task text-to-image).',
      ],
    );
  }

  const target = getModelDir(modelsDir, modelId);
  const partialRoot = join(modelsDir, '.partial');
  const staging = join(partialRoot, `${folder}.import-${process.pid}-${randomBytes(4).toString('hex')}`);
  const created = await mkdir(staging, { recursive: true });
  let manifest: ModelManifest;
  try {
    const files: ModelFile[] = [];
    for (const path of paths) {
      const dest = join(staging, ...path.split('/'));
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(join(sourceDir, ...path.split('/')), dest, constants.COPYFILE_FICLONE);
      // Hash what the store holds, not the source: the manifest describes the stored bytes.
      files.push({ path, size: (await stat(dest)).size, sha256: await hashFile(dest) });
    }
    manifest = { format: 1, modelId, taskType, files };

    const existing = await readManifest(target).catch(() => undefined);
    if (existing && JSON.stringify(existing) === JSON.stringify(manifest)) {
      await cleanUp(staging, created);
      return existing;
    }
    const occupied =
      existing !== undefined ||
      (await stat(target).then(
        () => true,
        () => false,
      ));
    if (occupied && !parameters.replace) throw new ModelExistsError(modelId, target);

    await writeManifest(staging, manifest);
    const old = join(partialRoot, `${folder}.old-${process.pid}-${randomBytes(4).toString('hex')}`);
    if (occupied) await rename(target, old);
    await rename(staging, target);
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await cleanUp(staging, created);
    throw error;
  }
  await rmdir(partialRoot).catch(() => {});
  return manifest;
}

/** Removes the staging folder, then `.partial` and the store folder when empty and created by this call. */
async function cleanUp(staging: string, created: string | undefined): Promise<void> {
  await rm(staging, { recursive: true, force: true });
  const partialRoot = dirname(staging);
  await rmdir(partialRoot).catch(() => {});
  if (created !== undefined && created !== staging && created !== partialRoot) {
    for (let dir = dirname(partialRoot); dir.startsWith(created); dir = dirname(dir)) {
      if (
        !(await rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        break;
    }
  }
}

/** Relative `/`-separated paths of the model's files, sorted; hidden entries and the manifest skipped. */
async function listModelFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 16) throw new ModelImportError(root, `folders nested too deep at ${dir}`);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      const kind = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : entry;
      if (!kind) throw new ModelImportError(root, `${relative(root, full)} is a broken link`);
      if (kind.isDirectory()) await walk(full, depth + 1);
      else if (kind.isFile()) {
        const path = relative(root, full).split(sep).join('/');
        if (path !== manifestFileName) out.push(path);
      }
    }
  };
  await walk(root, 0);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function detectTaskType(sourceDir: string, paths: string[]): ModelManifest['taskType'] {
  if (paths.includes('model_index.json')) return 'sd';
  if (paths.includes('config.json') && paths.includes('tokenizer.json')) return 'llm';
  throw new ModelImportError(sourceDir, 'cannot tell what kind of model this is', [
    'Expected model_index.json (a diffusers Stable Diffusion folder) or config.json with tokenizer.json (a language model).',
    'Pass the task type (--task-type llm|sd) if the folder is one of these.',
  ]);
}
