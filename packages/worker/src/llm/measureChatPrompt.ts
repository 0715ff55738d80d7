import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import type { LlmTaskArgs } from '@verinet/protocol/args';
import { getModelDir } from '../models/getModelDir.js';
import { renderChatPrompt } from './generateChat.js';
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
  const encode = (text: string) =>
    (tokenizer as { encode(text: string, options: { add_special_tokens: boolean }): number[] }).encode(text, {
      add_special_tokens: false,
    }).length;
  // As encodeChatPrompt does (the worker's count): the template writes the special tokens itself. Rendering is
  // string work, linear and fast; it also refuses what the template refuses (InvalidTaskArgsError).
  const rendered = renderChatPrompt({ tokenizer } as LoadedLlm, parameters.args);
  // Tokenizing a whole long prompt blocks the event loop for seconds (1.5 M characters: 7.5 s), so it is first
  // counted in chunks, stopping as soon as the count shows it cannot fit: the work is bounded by the context, not
  // by the prompt. Each chunk's count less `chunkBoundarySlack` is at most the tokens its text takes inside the
  // whole prompt: a chunk starts at a whitespace that follows a non-whitespace character, where the pre-tokenizers
  // (GPT-2, Llama 3, Qwen byte-level regexes; Metaspace) split anyway, so the text tokenizes as it does in the
  // whole, give or take the tokens at its two ends (a Metaspace prefix; a merge across a cut inside an unbroken
  // run longer than the largest chunk). So the running sum is a lower bound, and a refusal on it is sound.
  // A chunk holds at least 16 tokens (see `floor`), so the sum grows with every chunk and few chunks are needed.
  const minChunkChars = Math.max(4096, 16 * maxTokenChars * normalizationSlack);
  if (rendered.length > 4 * minChunkChars) {
    let atLeast = 0;
    for (const chunk of splitChunks(rendered, minChunkChars)) {
      atLeast += Math.max(0, encode(chunk) - chunkBoundarySlack);
      if (atLeast >= maxPositions) return { tokens: atLeast, maxPositions, modelDir, atLeast: true };
      // Other requests run between chunks: the event loop is held for one chunk's tokenizing at a time.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  // The prompt may fit, and then it is O(context) tokens: the exact count decides. A prompt that fits is never
  // refused, since only this count or a lower bound reaching the context refuse.
  return { tokens: encode(rendered), maxPositions, modelDir };
}

/** Tokens a chunk may count beyond what its text takes in the whole prompt (one or two per end, generously). */
const chunkBoundarySlack = 4;

/**
 * Cuts `text` into chunks of `minChars` characters or more, each ending before a whitespace that follows a
 * non-whitespace character; unbroken text is cut at 4 × `minChars` anyway (never inside a surrogate pair).
 */
function* splitChunks(text: string, minChars: number): Generator<string> {
  const maxChars = 4 * minChars;
  let start = 0;
  while (text.length - start > maxChars) {
    let end = -1;
    for (let i = start + minChars; i < start + maxChars; i++)
      if (isSpace(text.charCodeAt(i)) && !isSpace(text.charCodeAt(i - 1))) {
        end = i;
        break;
      }
    if (end === -1) {
      end = start + maxChars;
      // Never between the halves of a surrogate pair.
      if (isLowSurrogate(text.charCodeAt(end))) end--;
    }
    yield text.slice(start, end);
    start = end;
  }
  yield text.slice(start);
}

const isSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

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
