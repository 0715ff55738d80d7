import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveModel } from '../models/index.js';
import { SdUnsupportedArgumentError } from './errors.js';

/** Pickle-based PyTorch checkpoints: never unpickled (arbitrary code), refused with a conversion hint. */
const pickleExtensions = /\.(pt|pth|bin|ckpt|pkl)$/i;

/**
 * Picks and reads an adapter file (LoRA, textual inversion) from a model in the local store: the file the
 * task names, else the preferred names in order, else the only `.safetensors` file of the model.
 *
 * @throws SdUnsupportedArgumentError (argument `field`) for a pickle file, a file the model does not list,
 *   or an ambiguous choice.
 */
export async function readAdapterFile(parameters: {
  modelsDir: string;
  modelId: string;
  fileName?: string | undefined;
  preferred: readonly string[];
  field: string;
}): Promise<{ file: string; bytes: Uint8Array }> {
  const { modelsDir, modelId, fileName, preferred, field } = parameters;
  const { dir, manifest } = await resolveModel({ modelsDir, modelId });
  const listed = manifest.files.map((f) => f.path);
  const refuse = (reason: string): never => {
    throw new SdUnsupportedArgumentError({ argument: field, reason: `${modelId}: ${reason}` });
  };
  let file: string | undefined = fileName;
  if (file === undefined) {
    file = preferred.find((name) => listed.includes(name));
    if (file === undefined) {
      const candidates = listed.filter((p) => p.endsWith('.safetensors'));
      if (candidates.length !== 1)
        refuse(
          candidates.length === 0
            ? `the model has no .safetensors file (files: ${listed.join(', ') || 'none'})`
            : `the model has several .safetensors files (${candidates.join(', ')}); name one with weight_file_name`,
        );
      file = candidates[0];
    }
  }
  if (pickleExtensions.test(file!))
    refuse(
      `${file} is a PyTorch pickle, which this worker never loads (it can run code); convert it to .safetensors`,
    );
  if (!file!.endsWith('.safetensors')) refuse(`${file} is not a .safetensors file`);
  if (!listed.includes(file!)) refuse(`the model has no file ${file}`);
  return { file: file!, bytes: new Uint8Array(await readFile(join(dir, file!))) };
}
