import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getModelDir } from '../../models/getModelDir.js';
import { createManifest, type ModelManifest, writeManifest } from '../../models/manifest.js';
import { chatmlTemplate } from '../chatTemplate.js';
import { createTinyLlamaOnnx, type TinyLlamaDimensions } from './createTinyLlamaOnnx.js';
import { createTinyTokenizer } from './createTinyTokenizer.js';

export const tinyLlamaModelId = 'verinet/tiny-llama';
export const tinyQwen2ModelId = 'verinet/tiny-qwen2';

export type TinyLlamaArchitecture = 'llama' | 'qwen2';

export type CreateTinyLlamaFilesOptions = {
  /** `llama` (no biases) or `qwen2` (q/k/v biases); the config's model_type. Default llama. */
  architecture?: TinyLlamaArchitecture | undefined;
  dimensions?: Partial<Omit<TinyLlamaDimensions, 'vocabSize' | 'qkvBias'>> | undefined;
  /** Extra members of generation_config.json (the model's decoding defaults). */
  generationConfig?: Record<string, unknown> | undefined;
};

/**
 * Every file of a tiny Llama- or Qwen2-shaped model in the layout transformers.js loads (`config.json`,
 * `generation_config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx`): 4 query heads
 * sharing 2 key/value heads (grouped-query attention), rotary embeddings, RMSNorm, SwiGLU. Pure: the same seed
 * and options give the same bytes. About 150 KB; generated in well under a second.
 */
export function createTinyLlamaFiles(
  seed = 0,
  options: CreateTinyLlamaFilesOptions = {},
): Map<string, Uint8Array | string> {
  const architecture = options.architecture ?? 'llama';
  const tokenizer = createTinyTokenizer();
  const d = options.dimensions ?? {};
  const dimensions: TinyLlamaDimensions = {
    vocabSize: tokenizer.vocabSize,
    hidden: d.hidden ?? 32,
    heads: d.heads ?? 4,
    kvHeads: d.kvHeads ?? 2,
    headDim: d.headDim ?? 8,
    intermediate: d.intermediate ?? 64,
    layers: d.layers ?? 2,
    positions: d.positions ?? 512,
    ropeTheta: d.ropeTheta ?? 10_000,
    rmsNormEps: d.rmsNormEps ?? 1e-6,
    qkvBias: architecture === 'qwen2',
  };
  const eos = tokenizer.specialIds['<|im_end|>'];
  const bos = tokenizer.specialIds['<|endoftext|>'];
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return new Map<string, Uint8Array | string>([
    [
      'config.json',
      json({
        architectures: [architecture === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
        model_type: architecture,
        vocab_size: dimensions.vocabSize,
        hidden_size: dimensions.hidden,
        intermediate_size: dimensions.intermediate,
        num_hidden_layers: dimensions.layers,
        num_attention_heads: dimensions.heads,
        num_key_value_heads: dimensions.kvHeads,
        head_dim: dimensions.headDim,
        hidden_act: 'silu',
        max_position_embeddings: dimensions.positions,
        rms_norm_eps: dimensions.rmsNormEps,
        rope_theta: dimensions.ropeTheta,
        tie_word_embeddings: false,
        attention_bias: dimensions.qkvBias,
        bos_token_id: bos,
        eos_token_id: eos,
        use_cache: true,
      }),
    ],
    ['generation_config.json', json({ bos_token_id: bos, eos_token_id: eos, ...options.generationConfig })],
    ['tokenizer.json', json(tokenizer.tokenizer)],
    [
      'tokenizer_config.json',
      json({
        tokenizer_class: architecture === 'qwen2' ? 'Qwen2Tokenizer' : 'PreTrainedTokenizerFast',
        model_max_length: dimensions.positions,
        bos_token: '<|endoftext|>',
        eos_token: '<|im_end|>',
        pad_token: '<|endoftext|>',
        add_bos_token: false,
        clean_up_tokenization_spaces: false,
        chat_template: chatmlTemplate,
      }),
    ],
    ['onnx/model.onnx', createTinyLlamaOnnx(dimensions, seed)],
  ]);
}

/**
 * Writes a tiny Llama (`verinet/tiny-llama`) or Qwen2 (`verinet/tiny-qwen2`) model into a store with its
 * manifest, replacing any earlier copy. For tests and benchmarks only: the weights are random.
 *
 * @example
 * const manifest = await writeTinyLlama({ modelsDir: '/tmp/models', architecture: 'qwen2' });
 */
export async function writeTinyLlama(
  parameters: {
    modelsDir: string;
    modelId?: string | undefined;
    seed?: number | undefined;
  } & CreateTinyLlamaFilesOptions,
): Promise<ModelManifest> {
  const modelId =
    parameters.modelId ?? (parameters.architecture === 'qwen2' ? tinyQwen2ModelId : tinyLlamaModelId);
  const dir = getModelDir(parameters.modelsDir, modelId);
  await rm(dir, { recursive: true, force: true });
  for (const [path, content] of createTinyLlamaFiles(parameters.seed ?? 0, parameters)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const manifest = await createManifest(dir, modelId, 'llm');
  await writeManifest(dir, manifest);
  return manifest;
}
