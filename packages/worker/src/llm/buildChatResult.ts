import { canonicalizeJson } from '@verinet/protocol/args';
import type { ChatCompletion } from './generateChat.js';

/** The OpenAI-shaped chat result an LLM task produces. */
export type ChatResult = {
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string };
    finish_reason: 'stop' | 'length';
  }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
};

/**
 * The result.json bytes: the OpenAI chat completion shape written as RFC 8785 canonical JSON, so the text
 * score (sha256 of these bytes) is the same on every honest node.
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
  };
  return new TextEncoder().encode(canonicalizeJson(result));
}
