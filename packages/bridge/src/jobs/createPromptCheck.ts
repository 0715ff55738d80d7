import type { LlmTaskArgs } from '@verinet/protocol/args';
import type { CheckTaskArgs } from '@verinet/sdk';
import { BridgeError } from '../errors/BridgeError.js';

/**
 * Refuses a chat task whose prompt does not fit its model's context, counted with the model's own tokenizer and
 * chat template from a local copy of the model (`modelsDir`, e.g. the devnet nodes' store). A node would refuse it
 * only after the fee was locked, and the client would get a 502 for its own mistake. Models the folder does not
 * hold pass unchecked (the node still refuses them, with the fee refunded by the error report).
 *
 * @example
 * const check = createPromptCheck({ modelsDir: '.verinet/devnet/models', param: 'messages' });
 * await check({ type: 'llm', args }); // throws BridgeError('context_length_exceeded') when too long
 */
export function createPromptCheck(parameters: { modelsDir: string; param: string }): CheckTaskArgs {
  return async ({ type, args }) => {
    if (type !== 'llm') return;
    // Loaded on first use: transformers.js is heavy and image-only bridges never need it.
    const { measureChatPrompt } = await import('@verinet/worker/llm');
    const llmArgs = args as LlmTaskArgs;
    const measure = await measureChatPrompt({ modelsDir: parameters.modelsDir, args: llmArgs });
    if (!measure || measure.tokens < measure.maxPositions) return;
    throw new BridgeError(
      'context_length_exceeded',
      `The prompt is ${measure.atLeast ? 'at least ' : ''}${measure.tokens} tokens; ${llmArgs.model} takes at most ${measure.maxPositions - 1} (its context is ${measure.maxPositions} tokens, prompt and answer together). Shorten the messages.`,
      { param: parameters.param },
    );
  };
}
