import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getModelDir } from '../../models/getModelDir.js';
import { createManifest, type ModelManifest, writeManifest } from '../../models/manifest.js';
import { chatmlTemplate } from '../chatTemplate.js';
import { createTinyGpt2Onnx, type TinyGpt2Dimensions } from './createTinyGpt2Onnx.js';
import { createTinyTokenizer } from './createTinyTokenizer.js';

export const tinyGpt2ModelId = 'verinet/tiny-gpt2';

export type TinyGpt2Files = Map<string, Uint8Array | string>;

/**
 * Every file of the tiny GPT-2 model, in the layout transformers.js loads (`config.json`,
 * `generation_config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx`). Pure: the same
 * seed gives the same bytes. About 100 KB; generated in well under a second.
 */
export function createTinyGpt2Files(
  seed = 0,
  dims: Partial<Omit<TinyGpt2Dimensions, 'vocabSize'>> = {},
  /** Extra members of generation_config.json (the model's decoding defaults). */
  generationConfig: Record<string, unknown> = {},
): TinyGpt2Files {
  const tokenizer = createTinyTokenizer();
  const dimensions: TinyGpt2Dimensions = {
    vocabSize: tokenizer.vocabSize,
    hidden: dims.hidden ?? 32,
    heads: dims.heads ?? 4,
    layers: dims.layers ?? 2,
    positions: dims.positions ?? 512,
  };
  const eos = tokenizer.specialIds['<|im_end|>'];
  const bos = tokenizer.specialIds['<|endoftext|>'];
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return new Map<string, Uint8Array | string>([
    [
      'config.json',
      json({
        architectures: ['GPT2LMHeadModel'],
        model_type: 'gpt2',
        vocab_size: dimensions.vocabSize,
        n_embd: dimensions.hidden,
        n_head: dimensions.heads,
        n_layer: dimensions.layers,
        n_positions: dimensions.positions,
        n_ctx: dimensions.positions,
        bos_token_id: bos,
        eos_token_id: eos,
        use_cache: true,
      }),
    ],
    ['generation_config.json', json({ bos_token_id: bos, eos_token_id: eos, ...generationConfig })],
    ['tokenizer.json', json(tokenizer.tokenizer)],
    [
      'tokenizer_config.json',
      json({
        tokenizer_class: 'GPT2Tokenizer',
        model_max_length: dimensions.positions,
        bos_token: '<|endoftext|>',
        eos_token: '<|im_end|>',
        unk_token: '<|endoftext|>',
        pad_token: '<|endoftext|>',
        add_bos_token: false,
        clean_up_tokenization_spaces: false,
        chat_template: chatmlTemplate,
      }),
    ],
    ['onnx/model.onnx', createTinyGpt2Onnx(dimensions, seed)],
  ]);
}

/**
 * Writes the tiny GPT-2 into a model store as `verinet/tiny-gpt2` (or `modelId`) with its manifest, replacing
 * any earlier copy. For tests and benchmarks only: the weights are random.
 *
 * @example
 * const manifest = await writeTinyGpt2({ modelsDir: '/tmp/models' });
 */
export async function writeTinyGpt2(parameters: {
  modelsDir: string;
  modelId?: string | undefined;
  seed?: number | undefined;
  /** Extra members of generation_config.json (the model's decoding defaults). */
  generationConfig?: Record<string, unknown> | undefined;
}): Promise<ModelManifest> {
  const modelId = parameters.modelId ?? tinyGpt2ModelId;
  const dir = getModelDir(parameters.modelsDir, modelId);
  await rm(dir, { recursive: true, force: true });
  for (const [path, content] of createTinyGpt2Files(parameters.seed ?? 0, {}, parameters.generationConfig)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const manifest = await createManifest(dir, modelId, 'llm');
  await writeManifest(dir, manifest);
  return manifest;
}
