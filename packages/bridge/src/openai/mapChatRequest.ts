import type { LlmTaskArgsInput } from '@verinet/protocol/args';
import { MAX_SEED, parseTaskArgs } from '@verinet/protocol/args';
import type { BridgeModel } from '../config/bridgeConfig.js';
import { BridgeError } from '../errors/BridgeError.js';
import { drawSeed } from './drawSeed.js';
import {
  asObject,
  onlyNeutral,
  optionalBoolean,
  optionalNumber,
  optionalString,
  refuseUnknown,
  required,
} from './readRequest.js';
import { toArgsError } from './toArgsError.js';

export type MappedChatRequest = {
  model: BridgeModel;
  args: LlmTaskArgsInput;
  stream: boolean;
  includeUsage: boolean;
};

const requestFields = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'n',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'metadata',
  'store',
  'service_tier',
  'modalities',
  // Verinet extensions (decoding settings OpenAI does not have; the task schema's names).
  'top_k',
  'min_p',
  'typical_p',
  'repetition_penalty',
  'template_args',
]);
const messageFields = new Set([
  'role',
  'content',
  'name',
  'tool_calls',
  'tool_call_id',
  'refusal',
  'audio',
  'function_call',
]);
const roles = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** Task fields that came from differently named request fields (for error messages). */
export const chatParamRenames = {
  'generation_config.max_new_tokens': 'max_tokens',
  'generation_config.stop_strings': 'stop',
  'generation_config.temperature': 'temperature',
  'generation_config.do_sample': 'temperature',
  'generation_config.top_p': 'top_p',
  'generation_config.top_k': 'top_k',
  'generation_config.min_p': 'min_p',
  'generation_config.typical_p': 'typical_p',
  'generation_config.repetition_penalty': 'repetition_penalty',
} as const;

function mapContent(content: unknown, param: string): unknown {
  if (content === undefined || content === null || typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw new BridgeError('invalid_value', `${param} must be a string, an array of content parts, or null.`, {
      param,
    });
  return content.map((part, j) => {
    const p = asObject(part, `${param}[${j}]`);
    if (p.type === 'text') {
      refuseUnknown(p, new Set(['type', 'text']), `${param}[${j}].`);
      return { type: 'text', text: p.text };
    }
    throw new BridgeError(
      'unsupported_value',
      `${param}[${j}] has type ${JSON.stringify(p.type)}: only text parts are supported by the network's LLM tasks (version 1.x).`,
      { param: `${param}[${j}].type` },
    );
  });
}

function mapMessages(value: unknown): unknown[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new BridgeError('invalid_value', 'messages must be a non-empty array.', { param: 'messages' });
  return value.map((raw, i) => {
    const param = `messages[${i}]`;
    const message = asObject(raw, param);
    refuseUnknown(message, messageFields, `${param}.`);
    if (typeof message.role !== 'string' || !roles.has(message.role))
      throw new BridgeError(
        message.role === 'function' ? 'unsupported_value' : 'invalid_value',
        `${param}.role must be one of system, developer, user, assistant, tool; got ${JSON.stringify(message.role)}.`,
        { param: `${param}.role` },
      );
    for (const name of ['refusal', 'audio', 'function_call'])
      onlyNeutral(message, name, [], 'the network has no such message field', `${param}.`);
    const out: Record<string, unknown> = {
      // The task schema has no developer role: OpenAI defines it as the system role of newer models.
      role: message.role === 'developer' ? 'system' : message.role,
    };
    if ('content' in message) out.content = mapContent(message.content, `${param}.content`);
    if (message.name !== undefined) out.name = message.name;
    if (message.tool_calls !== undefined && message.tool_calls !== null) out.tool_calls = message.tool_calls;
    if (message.tool_call_id !== undefined) out.tool_call_id = message.tool_call_id;
    return out;
  });
}

/**
 * Maps an OpenAI chat completion request onto LLM task arguments (docs/bridge.md, "Chat mapping"), then
 * checks them against the task schema. Every refusal is a BridgeError naming the request field.
 *
 * @example
 * const { args } = mapChatRequest({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }] }, { models });
 */
export function mapChatRequest(
  input: unknown,
  context: { models: readonly BridgeModel[] },
): MappedChatRequest {
  const body = asObject(input, '');
  refuseUnknown(body, requestFields);
  const modelId = required(optionalString(body, 'model'), 'model');
  const model = context.models.find((m) => m.id === modelId);
  if (model?.type !== 'llm')
    throw new BridgeError(
      'model_not_found',
      model
        ? `The model \`${modelId}\` is an image model: use /v1/images/generations.`
        : `The model \`${modelId}\` does not exist on this bridge (GET /v1/models lists them).`,
      { param: 'model' },
    );
  const messages = mapMessages(required(body.messages, 'messages'));

  const stream = optionalBoolean(body, 'stream') ?? false;
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    const options = asObject(body.stream_options, 'stream_options');
    refuseUnknown(options, new Set(['include_usage', 'include_obfuscation']), 'stream_options.');
    includeUsage = optionalBoolean(options, 'include_usage') ?? false;
  }

  const generation: Record<string, unknown> = {};
  const temperature = optionalNumber(body, 'temperature', { min: 0, max: 2 });
  if (temperature === 0) generation.do_sample = false;
  else if (temperature !== undefined) {
    generation.do_sample = true;
    generation.temperature = temperature;
  }
  const topP = optionalNumber(body, 'top_p', { min: 0, max: 1, exclusiveMin: true });
  if (topP !== undefined) generation.top_p = topP;
  const maxTokens = optionalNumber(body, 'max_tokens', { min: 1, max: 32_768, integer: true });
  const maxCompletion = optionalNumber(body, 'max_completion_tokens', { min: 1, max: 32_768, integer: true });
  if (maxTokens !== undefined && maxCompletion !== undefined && maxTokens !== maxCompletion)
    throw new BridgeError(
      'invalid_value',
      'max_tokens and max_completion_tokens disagree: send one of them.',
      {
        param: 'max_completion_tokens',
      },
    );
  if ((maxCompletion ?? maxTokens) !== undefined) generation.max_new_tokens = maxCompletion ?? maxTokens;
  const stop = body.stop;
  if (typeof stop === 'string') generation.stop_strings = [stop];
  else if (Array.isArray(stop)) generation.stop_strings = stop;
  else if (stop !== undefined && stop !== null)
    throw new BridgeError('invalid_value', 'stop must be a string or an array of strings.', {
      param: 'stop',
    });
  for (const name of ['top_k', 'min_p', 'typical_p', 'repetition_penalty'] as const)
    if (body[name] !== undefined && body[name] !== null) generation[name] = body[name];

  onlyNeutral(
    body,
    'n',
    [1],
    'a task returns one choice (num_return_sequences > 1 is not in task version 1.x)',
  );
  onlyNeutral(body, 'presence_penalty', [0], 'the network has no presence penalty (see repetition_penalty)');
  onlyNeutral(
    body,
    'frequency_penalty',
    [0],
    'the network has no frequency penalty (see repetition_penalty)',
  );
  onlyNeutral(body, 'logit_bias', [{}], 'the network has no logit bias');
  onlyNeutral(body, 'logprobs', [false], 'results carry no log probabilities');
  onlyNeutral(body, 'top_logprobs', [0], 'results carry no log probabilities');
  onlyNeutral(body, 'response_format', [{ type: 'text' }], 'only text output (no JSON mode or schema)');
  onlyNeutral(
    body,
    'tools',
    [[]],
    'offering tools is not in task version 1.x (past tool calls in messages are)',
  );
  onlyNeutral(body, 'tool_choice', ['none', 'auto'], 'no tools can be offered');
  onlyNeutral(body, 'service_tier', ['auto', 'default'], 'the network has one tier');
  onlyNeutral(body, 'modalities', [['text']], 'only text output');
  optionalBoolean(body, 'parallel_tool_calls');
  optionalBoolean(body, 'store');
  for (const name of ['user', 'safety_identifier', 'prompt_cache_key']) optionalString(body, name);
  if (body.metadata !== undefined && body.metadata !== null) asObject(body.metadata, 'metadata');

  const givenSeed = optionalNumber(body, 'seed', { min: 0, max: MAX_SEED, integer: true });
  const args: Record<string, unknown> = {
    model: model.taskModel ?? model.id,
    messages,
    generation_config: generation,
    seed: givenSeed ?? drawSeed(),
  };
  if (body.template_args !== undefined && body.template_args !== null)
    args.template_args = body.template_args;
  try {
    parseTaskArgs('llm', args);
  } catch (error) {
    throw toArgsError(error, chatParamRenames);
  }
  return { model, args: args as LlmTaskArgsInput, stream, includeUsage };
}
