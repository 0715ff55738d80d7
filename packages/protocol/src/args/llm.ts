import { z } from 'zod';
import { dtypeSchema, modelNameSchema, seedSchema, versionFieldSchema } from './common.js';

/** The LLM chat argument version this package reads and writes by default. */
export const LLM_TASK_ARGS_VERSION = '1.0.0';

/** Any JSON value (used where the shape belongs to a model's chat template or a tool's parameters). */
const jsonValueSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValueSchema),
    z.record(z.string(), jsonValueSchema),
  ]),
);

/** OpenAI-style content parts. Image parts are defined, but no v1 worker reads images. */
export const llmContentPartSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: z.string() }),
  z.strictObject({
    type: z.literal('image_url'),
    image_url: z.strictObject({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
  }),
]);

/** A call the assistant made to a tool, in the OpenAI shape (arguments as a JSON string). */
export const llmToolCallSchema = z.strictObject({
  id: z.string().min(1),
  type: z.literal('function').default('function'),
  function: z.strictObject({ name: z.string().min(1), arguments: z.string() }),
});

/**
 * One chat message; tool_calls only on assistant messages, tool_call_id on (and only on) tool messages.
 * `content` may be null or left out only on an assistant message with tool_calls, as OpenAI clients send it.
 */
export const llmMessageSchema = z
  .strictObject({
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(llmContentPartSchema).min(1), z.null()]).optional(),
    name: z.string().min(1).optional(),
    tool_calls: z.array(llmToolCallSchema).min(1).optional(),
    tool_call_id: z.string().min(1).optional(),
  })
  .superRefine((message, ctx) => {
    if ((message.content === null || message.content === undefined) && message.tool_calls === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['content'],
        message:
          message.role === 'assistant'
            ? 'content is required unless the assistant message has tool_calls'
            : `a ${message.role} message needs content (a string or content parts)`,
      });
    }
    if (message.tool_calls && message.role !== 'assistant') {
      ctx.addIssue({
        code: 'custom',
        path: ['tool_calls'],
        message: 'only assistant messages carry tool_calls',
      });
    }
    if (message.role === 'tool' && message.tool_call_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tool_call_id'], message: 'a tool message needs tool_call_id' });
    }
    if (message.role !== 'tool' && message.tool_call_id !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tool_call_id'],
        message: 'only tool messages carry tool_call_id',
      });
    }
  });
export type LlmMessage = z.output<typeof llmMessageSchema>;

/** A tool offered to the model, in the OpenAI shape. Not supported in v1. */
export const llmToolSchema = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), jsonValueSchema).optional(),
  }),
});

/**
 * Decoding settings. The sampling fields have no default here: a field the task leaves out takes the value of
 * the model's `generation_config.json`, else Hugging Face `GenerationConfig`'s default (do_sample false,
 * temperature 1, top_k 50, top_p 1, typical_p 1, repetition_penalty 1, no min_p), as transformers'
 * `generate` does; `max_new_tokens` falls back to the model's, else 256. The worker records the values it
 * used in the result.
 */
export const llmGenerationConfigSchema = z.strictObject({
  max_new_tokens: z.int().min(1).max(32_768).optional(),
  stop_strings: z.array(z.string().min(1)).max(16).default([]),
  do_sample: z.boolean().optional(),
  num_beams: z.int().min(1).max(16).default(1),
  temperature: z.number().gt(0).max(100).optional(),
  typical_p: z.number().gt(0).max(1).optional(),
  top_k: z.int().min(0).max(100_000).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  min_p: z.number().min(0).max(1).optional(),
  repetition_penalty: z.number().gt(0).max(100).optional(),
  num_return_sequences: z.int().min(1).max(16).default(1),
});
export type LlmGenerationConfig = z.output<typeof llmGenerationConfigSchema>;

/**
 * LLM chat arguments, version 1. Unknown fields are refused. `tools`, `quantize_bits`, `num_beams > 1`,
 * `num_return_sequences > 1` and image content parts parse, but `parseTaskArgs` refuses them as not
 * supported by this worker version.
 */
export const llmTaskArgsSchema = z.strictObject({
  version: versionFieldSchema(1).default(LLM_TASK_ARGS_VERSION),
  model: modelNameSchema,
  messages: z.array(llmMessageSchema).min(1).max(1024),
  tools: z.array(llmToolSchema).min(1).optional(),
  /** Extra variables for the model's chat template (for example `enable_thinking`). */
  template_args: z.record(z.string(), jsonValueSchema).optional(),
  generation_config: llmGenerationConfigSchema.prefault({}),
  seed: seedSchema.default(0),
  dtype: dtypeSchema.default('auto'),
  quantize_bits: z.union([z.literal(4), z.literal(8)]).optional(),
});

/** LLM chat arguments as an application writes them (defaults may be left out). */
export type LlmTaskArgsInput = z.input<typeof llmTaskArgsSchema>;
/** LLM chat arguments after parsing, defaults applied. */
export type LlmTaskArgs = z.output<typeof llmTaskArgsSchema>;
