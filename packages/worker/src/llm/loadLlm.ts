import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';

/** A loaded chat model: the ONNX session (through transformers.js), its tokenizer and the ids that end a turn. */
export type LoadedLlm = {
  model: PreTrainedModel;
  tokenizer: PreTrainedTokenizer;
  eosTokenIds: number[];
  /** Longest sequence the model accepts (prompt plus completion). */
  maxPositions: number;
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
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir);
  const model = await AutoModelForCausalLM.from_pretrained(modelDir, {
    dtype: 'fp32',
    device: 'cpu',
    session_options: getLlmSessionOptions(threads),
  });
  const config = await readJson(join(modelDir, 'config.json'));
  const generation = await readJson(join(modelDir, 'generation_config.json')).catch(
    () => ({}) as Record<string, unknown>,
  );
  const eos = generation.eos_token_id ?? config.eos_token_id;
  const eosTokenIds = (Array.isArray(eos) ? eos : eos === undefined ? [] : [eos]).filter(
    (id): id is number => typeof id === 'number',
  );
  const positions = [config.n_positions, config.max_position_embeddings, config.n_ctx].find(
    (v): v is number => typeof v === 'number',
  );
  return { model, tokenizer, eosTokenIds, maxPositions: positions ?? Number.MAX_SAFE_INTEGER };
}

async function readJson(path: string): Promise<Record<string, unknown> & { eos_token_id?: unknown }> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}
