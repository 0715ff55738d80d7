import type { LlmTaskArgsInput } from '@verinet/protocol/args';
import { runTask } from '../actions/runTask.js';
import type { SdkContext } from '../client/context.js';
import { InvalidTaskArgumentsError } from '../errors/index.js';
import type { RunOptions, TaskResultBase } from '../types.js';

export type ChatCompletionCreateParameters = LlmTaskArgsInput & {
  max_tokens?: number | undefined;
  max_completion_tokens?: number | undefined;
  temperature?: number | undefined;
  top_p?: number | undefined;
  stop?: string | string[] | undefined;
};

export type ChatCompletion = {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string };
    finish_reason: 'stop' | 'length';
  }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  generation_config: Record<string, unknown>;
  verinet: TaskResultBase;
  /** The exact result.json bytes whose sha256 is the on-chain score. */
  raw: Uint8Array;
};

/** OpenAI field → generation_config field. */
const mapped = {
  max_tokens: 'max_new_tokens',
  max_completion_tokens: 'max_new_tokens',
  temperature: 'temperature',
  top_p: 'top_p',
  stop: 'stop_strings',
} as const;

/** Moves the OpenAI conveniences into `generation_config`, refusing a field given both ways. */
export function toLlmTaskArgs(parameters: ChatCompletionCreateParameters): LlmTaskArgsInput {
  const { max_tokens, max_completion_tokens, temperature, top_p, stop, ...rest } = parameters;
  const given = { max_tokens, max_completion_tokens, temperature, top_p, stop };
  const config: Record<string, unknown> = { ...(rest.generation_config ?? {}) };
  const issues: string[] = [];
  for (const [field, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const target = mapped[field as keyof typeof mapped];
    if (config[target] !== undefined) {
      issues.push(`${field}: also set as generation_config.${target}; give it once`);
      continue;
    }
    config[target] = field === 'stop' && typeof value === 'string' ? [value] : value;
  }
  if (issues.length) throw new InvalidTaskArgumentsError('llm', issues);
  const args: LlmTaskArgsInput = { ...rest };
  if (Object.keys(config).length) args.generation_config = config as LlmTaskArgsInput['generation_config'];
  return args;
}

/**
 * Runs an LLM chat task and resolves with the node's completion once its bytes are verified against the
 * on-chain score (sha256 of result.json), in the OpenAI response shape plus the chain facts under `verinet`.
 *
 * @example
 * const completion = await client.chat.completions.create({ model: 'verinet/tiny-gpt2', messages: [{ role: 'user', content: 'Hi' }] });
 */
export async function createChatCompletion(
  context: SdkContext,
  parameters: ChatCompletionCreateParameters,
  options: RunOptions = {},
): Promise<ChatCompletion> {
  const result = await runTask(context, { type: 'llm', args: toLlmTaskArgs(parameters) }, options);
  const raw = result.files[0]?.bytes ?? new Uint8Array();
  const body = JSON.parse(new TextDecoder().decode(raw)) as Omit<
    ChatCompletion,
    'id' | 'object' | 'created' | 'verinet' | 'raw'
  >;
  const record = await context.store.getTask(result.base.id);
  return {
    id: `chatcmpl-${result.base.id}`,
    object: 'chat.completion',
    created: Math.floor((record?.createdAt ?? Date.now()) / 1000),
    model: body.model,
    choices: body.choices,
    usage: body.usage,
    generation_config: body.generation_config,
    verinet: result.base,
    raw,
  };
}
