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
  /**
   * True when `tokens` is a lower bound, not a count: a prompt far longer than the context is refused without
   * tokenizing it all (a 4 MiB prompt takes seconds of CPU to tokenize).
   */
  atLeast?: true;
};

type Measurer = {
  tokenizer: unknown;
  maxPositions: number | undefined;
  /** Characters of the longest vocabulary entry: no token stands for more text than that. */
  maxTokenChars: number;
};
/**
 * Normalizers may shorten text before it is split (NFC composes up to a few code points into one): content is
 * divided by this too before it bounds the token count from below.
 */
const normalizationSlack = 4;
/** Tokenizers by model folder and config text: a long-running app (the bridge) measures every chat request. */
const measurers = new Map<string, Promise<Measurer>>();
const maxCachedModels = 32;

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
  let configText: string;
  try {
    configText = await readFile(join(modelDir, 'config.json'), 'utf8');
    config = JSON.parse(configText) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const cacheKey = `${modelDir}\0${configText}`;
  let measurer = measurers.get(cacheKey);
  if (!measurer) {
    measurer = loadMeasurer(parameters.modelsDir, modelDir, config);
    if (measurers.size >= maxCachedModels) measurers.delete(measurers.keys().next().value as string);
    measurers.set(cacheKey, measurer);
    // A failed load is not kept: the next call tries again.
    measurer.catch(() => measurers.delete(cacheKey));
  }
  const { tokenizer, maxPositions, maxTokenChars } = await measurer;
  if (maxPositions === undefined) return undefined;
  // Every template renders each message's content, so its characters need at least this many tokens.
  let contentChars = 0;
  for (const { content } of parameters.args.messages) {
    if (typeof content === 'string') contentChars += content.length;
    else if (Array.isArray(content))
      for (const part of content) if (part.type === 'text') contentChars += part.text.length;
  }
  const floor = Math.floor(contentChars / (maxTokenChars * normalizationSlack));
  if (floor >= maxPositions) return { tokens: floor, maxPositions, modelDir, atLeast: true };
  // encodeChatPrompt reads only the tokenizer (and its chat template).
  const tokens = encodeChatPrompt({ tokenizer } as LoadedLlm, parameters.args).length;
  return { tokens, maxPositions, modelDir };
}

async function loadMeasurer(
  modelsDir: string,
  modelDir: string,
  config: Record<string, unknown>,
): Promise<Measurer> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelsDir;
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir);
  const maxPositions = [config.n_positions, config.max_position_embeddings, config.n_ctx].find(
    (v): v is number => typeof v === 'number',
  );
  const vocab = (
    tokenizer as unknown as { get_vocab(): Map<string, number> | Record<string, number> }
  ).get_vocab();
  let maxTokenChars = 1;
  for (const entry of vocab instanceof Map ? vocab.keys() : Object.keys(vocab))
    if (entry.length > maxTokenChars) maxTokenChars = entry.length;
  return { tokenizer, maxPositions, maxTokenChars };
}
