import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { BaseError } from '@verinet/protocol/errors';

/**
 * A model folder of the store that transformers.js cannot load (no fp32 `onnx/model.onnx`, an architecture
 * it does not know, a broken tokenizer). The node's copy is at fault, not the task: reported as model_missing.
 */
export class ModelLoadError extends BaseError {
  override name = 'ModelLoadError' as const;
  constructor(modelDir: string, cause: unknown) {
    super(
      `The language model in ${modelDir} cannot be loaded: ${(cause as Error)?.message ?? String(cause)}`,
      {
        details: [
          'The worker needs the transformers.js layout: config.json, tokenizer.json, tokenizer_config.json and an fp32 onnx/model.onnx.',
        ],
        docsPath: 'worker-protocol.md#model-store',
        cause,
      },
    );
  }
}

/** A loaded chat model: the ONNX session (through transformers.js), its tokenizer and the ids that end a turn. */
export type LoadedLlm = {
  model: PreTrainedModel;
  tokenizer: PreTrainedTokenizer;
  eosTokenIds: number[];
  /** Longest sequence the model accepts (prompt plus completion). */
  maxPositions: number;
  /** The model's generation_config.json as written ({} when it has none): its decoding defaults. */
  generationDefaults: Record<string, unknown>;
};

/**
 * onnxruntime settings that change output bits, pinned as part of the worker version: graph optimization
 * `basic` (constant folding and redundant node removal only; the `all` level swaps in fused kernels that
 * differ in rounding), sequential execution, one inter-op thread. Intra-op threads only split work and,
 * on CPU, do not change results (checked by the tests).
 */
export function getLlmSessionOptions(threads: number) {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'basic' as const,
    executionMode: 'sequential' as const,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  };
}

/** Loads a model folder of the local store with transformers.js; remote loading is switched off. */
export async function loadLlm(modelDir: string, modelsDir: string, threads: number): Promise<LoadedLlm> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelsDir;
  // An absolute folder path is not a hub id, so transformers.js reads it as is.
  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(modelDir);
    model = await AutoModelForCausalLM.from_pretrained(modelDir, {
      dtype: 'fp32',
      device: 'cpu',
      session_options: getLlmSessionOptions(threads),
    });
  } catch (error) {
    throw new ModelLoadError(modelDir, error);
  }
  const config = await readJson(join(modelDir, 'config.json'));
  let generation: Record<string, unknown> & { eos_token_id?: unknown };
  try {
    generation = await readJson(join(modelDir, 'generation_config.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ModelLoadError(modelDir, error);
    generation = {};
  }
  if (typeof generation !== 'object' || generation === null || Array.isArray(generation))
    throw new ModelLoadError(modelDir, new Error('generation_config.json is not a JSON object'));
  const eos = generation.eos_token_id ?? config.eos_token_id;
  const eosTokenIds = (Array.isArray(eos) ? eos : eos === undefined ? [] : [eos]).filter(
    (id): id is number => typeof id === 'number',
  );
  const positions = [config.n_positions, config.max_position_embeddings, config.n_ctx].find(
    (v): v is number => typeof v === 'number',
  );
  return {
    model,
    tokenizer,
    eosTokenIds,
    maxPositions: positions ?? Number.MAX_SAFE_INTEGER,
    generationDefaults: generation,
  };
}

async function readJson(path: string): Promise<Record<string, unknown> & { eos_token_id?: unknown }> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}
