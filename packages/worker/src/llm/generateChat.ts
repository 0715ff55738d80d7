import { Tensor } from '@huggingface/transformers';
import { InvalidTaskArgsError, type LlmTaskArgs } from '@verinet/protocol/args';
import { createRandomStream } from '../random/index.js';
import { chatmlTemplate } from './chatTemplate.js';
import type { LoadedLlm } from './loadLlm.js';
import { type EffectiveGenerationConfig, resolveGenerationConfig } from './resolveGenerationConfig.js';
import { selectToken } from './selectToken.js';

export type ChatCompletion = {
  content: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
  /** The decoding settings used: the task's, else the model's generation_config.json, else HF defaults. */
  generationConfig: EffectiveGenerationConfig;
};

/** Philox stream number of LLM sampling ("LLM" in ASCII), apart from the streams other backends draw from. */
export const llmSamplingStream = 0x4c4c4d;

/** Options the chat template gets from us; a task's `template_args` may not override them. */
const reservedTemplateArgs = new Set([
  'messages',
  'add_generation_prompt',
  'tools',
  'documents',
  'chat_template',
  'tokenize',
  'padding',
  'truncation',
  'max_length',
  'return_tensor',
  'return_dict',
  'tokenizer_kwargs',
]);

/**
 * Renders the conversation with the model's chat template (ChatML when the model has none) into the prompt
 * text. Messages reach the template as the task wrote them, with two adaptations: text content parts are
 * joined into one string, and a tool call's `arguments` (a JSON string in OpenAI's shape) is handed over as
 * the JSON object it encodes, because Hugging Face chat templates expect a mapping there (they write it with
 * `tojson`); arguments that are not a JSON object stay a string. `content: null` stays null. Template errors
 * (e.g. a template that refuses a role order) are the task's fault and become InvalidTaskArgsError.
 */
export function renderChatPrompt(llm: LoadedLlm, args: LlmTaskArgs): string {
  for (const key of Object.keys(args.template_args ?? {})) {
    if (reservedTemplateArgs.has(key)) {
      throw new InvalidTaskArgsError([
        { field: `template_args.${key}`, kind: 'invalid', reason: 'reserved by the chat template call' },
      ]);
    }
  }
  const messages = args.messages.map((m) => ({
    ...m,
    // Text parts are joined; image parts are refused by parseTaskArgs in this version.
    content:
      m.content === undefined || m.content === null
        ? null
        : typeof m.content === 'string'
          ? m.content
          : m.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
    ...(m.tool_calls
      ? {
          tool_calls: m.tool_calls.map((call) => ({
            ...call,
            function: { name: call.function.name, arguments: parseArguments(call.function.arguments) },
          })),
        }
      : {}),
  }));
  const tokenizer = llm.tokenizer as unknown as {
    chat_template?: unknown;
    apply_chat_template(messages: unknown, options: Record<string, unknown>): unknown;
  };
  try {
    return String(
      tokenizer.apply_chat_template(messages, {
        ...args.template_args,
        ...(tokenizer.chat_template ? {} : { chat_template: chatmlTemplate }),
        add_generation_prompt: true,
        tokenize: false,
      }),
    );
  } catch (error) {
    throw new InvalidTaskArgsError(
      [
        {
          field: 'messages',
          kind: 'invalid',
          reason: `the chat template refused them: ${(error as Error).message}`,
        },
      ],
      { cause: error },
    );
  }
}

/** Renders the chat prompt and tokenizes it; returns the prompt token ids. */
export function encodeChatPrompt(llm: LoadedLlm, args: LlmTaskArgs): number[] {
  const rendered = renderChatPrompt(llm, args);
  const tokenizer = llm.tokenizer as unknown as {
    encode(text: string, options: { add_special_tokens: boolean }): number[];
  };
  // The template writes the special tokens itself, so the tokenizer must not add a BOS of its own.
  return tokenizer.encode(rendered, { add_special_tokens: false });
}

function parseArguments(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : text;
  } catch {
    return text;
  }
}

/**
 * Generates one chat completion with our own decoding loop over the model's forward pass (key/value cache
 * carried between steps). Decoding settings the task leaves out come from the model's generation_config.json
 * (`resolveGenerationConfig`). Greedy or sampled from a Philox stream seeded by the task seed, stopping at an
 * end-of-turn token, a stop string (cut from the content, as in OpenAI's `stop`), `max_new_tokens` or the
 * model's context length.
 */
export async function generateChat(
  llm: LoadedLlm,
  args: LlmTaskArgs,
  options: { signal: AbortSignal; onToken?: (generated: number, total: number) => void },
): Promise<ChatCompletion> {
  const config = resolveGenerationConfig({
    task: args.generation_config,
    model: llm.generationDefaults,
    eosTokenIds: llm.eosTokenIds,
  });
  const stopStrings = args.generation_config.stop_strings;
  const prompt = encodeChatPrompt(llm, args);
  if (prompt.length >= llm.maxPositions) {
    throw new InvalidTaskArgsError([
      {
        field: 'messages',
        kind: 'invalid',
        reason: `the prompt is ${prompt.length} tokens; the model takes at most ${llm.maxPositions - 1}`,
      },
    ]);
  }
  const random = createRandomStream({ seed: args.seed, stream: llmSamplingStream });
  const eos = new Set(config.eos_token_id);
  const tokens = [...prompt];
  const generated: number[] = [];
  const limit = Math.min(config.max_new_tokens, llm.maxPositions - prompt.length);
  let pending = prompt;
  let past: Record<string, unknown> | null = null;
  let finishReason: ChatCompletion['finishReason'] = 'length';
  let content = '';
  let stoppedByString = false;

  while (generated.length < limit) {
    options.signal.throwIfAborted();
    const start = tokens.length - pending.length;
    const outputs = (await llm.model.forward({
      input_ids: int64Tensor(pending, [1, pending.length]),
      attention_mask: int64Tensor(new Array<number>(tokens.length).fill(1), [1, tokens.length]),
      position_ids: int64Tensor(
        Array.from({ length: pending.length }, (_, i) => start + i),
        [1, pending.length],
      ),
      // Exports that take it compute only the last position's logits; without it the whole
      // [sequence, vocabulary] block would be materialized for long prompts. Dropped for other models.
      num_logits_to_keep: new Tensor('int64', BigInt64Array.of(1n), []),
      past_key_values: past,
    })) as Record<string, Tensor>;
    past = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      if (name.startsWith('present')) past[name.replace('present', 'past_key_values')] = tensor;
    }
    const logits = outputs.logits!;
    const vocab = logits.dims.at(-1)!;
    const data = logits.data as Float32Array;
    const row = data.subarray(data.length - vocab);
    const next = selectToken(row, tokens, config, random);
    tokens.push(next);
    generated.push(next);
    options.onToken?.(generated.length, config.max_new_tokens);
    if (eos.has(next)) {
      finishReason = 'stop';
      break;
    }
    if (stopStrings.length > 0) {
      const text = decode(llm, generated);
      const cut = firstStop(text, stopStrings);
      if (cut !== undefined) {
        content = text.slice(0, cut);
        finishReason = 'stop';
        stoppedByString = true;
        break;
      }
    }
    pending = [next];
  }
  if (!stoppedByString) content = decode(llm, generated);
  return {
    content,
    finishReason,
    promptTokens: prompt.length,
    completionTokens: generated.length,
    generationConfig: config,
  };
}

function int64Tensor(values: number[], dims: number[]): Tensor {
  return new Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );
}

function decode(llm: LoadedLlm, ids: number[]): string {
  return llm.tokenizer.decode(ids, { skip_special_tokens: true });
}

function firstStop(text: string, stops: readonly string[]): number | undefined {
  let first: number | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at !== -1 && (first === undefined || at < first)) first = at;
  }
  return first;
}
