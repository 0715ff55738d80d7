import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SdModelFormatError, SdModelNotFoundError } from '../errors.js';
import { type ClipTokenizer, createClipTokenizer } from './clipTokenizer.js';

async function readOptionalJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { content?: unknown }).content === 'string'
  )
    return (value as { content: string }).content;
  return undefined;
}

/**
 * Loads a CLIP tokenizer from a diffusers `tokenizer/` folder: vocab.json, merges.txt and, when present,
 * special_tokens_map.json / tokenizer_config.json for the padding token and model_max_length.
 *
 * @example
 * const tokenizer = await loadClipTokenizer({ folder: 'models/sd15/tokenizer', model: 'sd15' });
 */
export async function loadClipTokenizer({
  folder,
  model,
}: {
  folder: string;
  model: string;
}): Promise<ClipTokenizer> {
  const read = async (name: string) => {
    try {
      return await readFile(join(folder, name), 'utf8');
    } catch {
      throw new SdModelNotFoundError({
        model,
        path: join(folder, name),
        reason: `tokenizer/${name} is missing`,
      });
    }
  };
  const [vocabText, mergesText] = await Promise.all([read('vocab.json'), read('merges.txt')]);
  let vocab: Record<string, number>;
  try {
    vocab = JSON.parse(vocabText) as Record<string, number>;
  } catch (error) {
    throw new SdModelFormatError({
      model,
      file: 'tokenizer/vocab.json',
      reason: `not JSON (${(error as Error).message})`,
    });
  }
  const special = await readOptionalJson(join(folder, 'special_tokens_map.json'));
  const config = await readOptionalJson(join(folder, 'tokenizer_config.json'));
  const padToken = tokenContent(special?.pad_token) ?? tokenContent(config?.pad_token);
  const configuredLength = config?.model_max_length;
  const maxLength =
    typeof configuredLength === 'number' && Number.isInteger(configuredLength) && configuredLength <= 1024
      ? configuredLength
      : 77;
  try {
    return createClipTokenizer({ vocab, merges: mergesText.split('\n'), maxLength, padToken });
  } catch (error) {
    throw new SdModelFormatError({ model, file: 'tokenizer/', reason: (error as Error).message });
  }
}
