import { canonicalizeJson } from '@verinet/protocol/args';
import type { ChatCompletion } from './generateChat.js';
import type { EffectiveGenerationConfig } from './resolveGenerationConfig.js';

/** The OpenAI-shaped chat result an LLM task produces. */
export type ChatResult = {
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string };
    finish_reason: 'stop' | 'length';
  }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** Not in OpenAI's shape: the decoding settings the node used (task, else model defaults, else HF's). */
  generation_config: EffectiveGenerationConfig;
};

/**
 * The result.json bytes: the OpenAI chat completion shape written as RFC 8785 canonical JSON, so the text
 * score (sha256 of these bytes) is the same on every honest node. One member is ours: `generation_config`,
 * the decoding settings actually used. It is hashed with the rest, so a node that decoded with other
 * settings (ignoring the model's defaults, say) cannot match an honest node's score.
 *
 * @example
 * const bytes = buildChatResult('verinet/tiny-gpt2', completion);
 */
export function buildChatResult(model: string, completion: ChatCompletion): Uint8Array {
  const result: ChatResult = {
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completion.content },
        finish_reason: completion.finishReason,
      },
    ],
    usage: {
      prompt_tokens: completion.promptTokens,
      completion_tokens: completion.completionTokens,
      total_tokens: completion.promptTokens + completion.completionTokens,
    },
    generation_config: completion.generationConfig,
  };
  return new TextEncoder().encode(canonicalizeJson(result));
}
