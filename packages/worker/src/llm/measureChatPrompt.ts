import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import type { LlmTaskArgs } from '@verinet/protocol/args';
import { getModelDir } from '../models/getModelDir.js';
import { encodeChatPrompt } from './generateChat.js';
import type { LoadedLlm } from './loadLlm.js';

export type ChatPromptMeasure = {
  /** Tokens of the rendered prompt, exactly as the worker counts them. */
  tokens: number;
  /** Longest sequence the model takes (prompt plus completion); the prompt must be shorter. */
  maxPositions: number;
  modelDir: string;
};

/**
 * Counts the tokens of a chat task's prompt with the model's own tokenizer and chat template (no weights
 * loaded), as `generateChat` does before refusing a prompt that fills the context. For an application that
 * holds a copy of the model (the devnet's CLI) to refuse the task before paying for it. Undefined when the
 * store has no copy of the model.
 *
 * @example
 * const m = await measureChatPrompt({ modelsDir, args }); if (m && m.tokens >= m.maxPositions) refuse();
 */
export async function measureChatPrompt(parameters: {
  modelsDir: string;
  args: LlmTaskArgs;
}): Promise<ChatPromptMeasure | undefined> {
  const modelDir = getModelDir(parameters.modelsDir, parameters.args.model);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = parameters.modelsDir;
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir);
  const maxPositions = [config.n_positions, config.max_position_embeddings, config.n_ctx].find(
    (v): v is number => typeof v === 'number',
  );
  if (maxPositions === undefined) return undefined;
  // encodeChatPrompt reads only the tokenizer (and its chat template).
  const tokens = encodeChatPrompt({ tokenizer } as LoadedLlm, parameters.args).length;
  return { tokens, maxPositions, modelDir };
}
