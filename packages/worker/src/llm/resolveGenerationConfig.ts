import {
  InvalidTaskArgsError,
  type LlmGenerationConfig,
  llmGenerationConfigSchema,
} from '@verinet/protocol/args';
import type { DecodingConfig } from './processLogits.js';

/** The decoding settings a task actually ran with; recorded in its result. */
export type EffectiveGenerationConfig = DecodingConfig & {
  min_p: number | null;
  max_new_tokens: number;
  /** Ids that end the completion. */
  eos_token_id: number[];
};

/** Hugging Face `GenerationConfig` defaults (transformers), for keys neither the task nor the model sets. */
export const huggingFaceGenerationDefaults = {
  do_sample: false,
  temperature: 1,
  top_k: 50,
  top_p: 1,
  min_p: null,
  typical_p: 1,
  repetition_penalty: 1,
} as const;

/** max_new_tokens when neither the task nor the model's generation_config.json sets it (ours, not HF's). */
export const defaultMaxNewTokens = 256;

/**
 * The value a processor is "off" at: what a `null` in generation_config.json means to transformers (the
 * processor is not added).
 */
const offValues = {
  temperature: 1,
  top_k: 0,
  top_p: 1,
  typical_p: 1,
  repetition_penalty: 1,
  min_p: null,
} as const;

type SamplingKey = keyof typeof offValues;
const samplingKeys = Object.keys(offValues) as SamplingKey[];

/**
 * Merges a task's generation config with the model's `generation_config.json` the way transformers'
 * `generate(**kwargs)` merges call arguments with `model.generation_config`: the task's value, else the
 * model's, else the Hugging Face default. A model value outside the task schema's bounds that would be used
 * (the sampling settings only matter when sampling) is the task's to override, so it is refused as an
 * invalid argument naming the field.
 *
 * @example
 * resolveGenerationConfig({ task: args.generation_config, model: { do_sample: true, top_k: 20 }, eosTokenIds: [2] })
 */
export function resolveGenerationConfig(parameters: {
  task: LlmGenerationConfig;
  /** The parsed generation_config.json of the model ({} when it has none). */
  model: Record<string, unknown>;
  eosTokenIds: number[];
}): EffectiveGenerationConfig {
  const { task, model } = parameters;
  const doSample =
    task.do_sample ?? pickModelBoolean(model, 'do_sample') ?? huggingFaceGenerationDefaults.do_sample;
  const resolved: Record<string, unknown> = {};
  for (const key of samplingKeys) {
    if (task[key] !== undefined) {
      resolved[key] = task[key];
      continue;
    }
    if (!Object.hasOwn(model, key)) {
      resolved[key] = huggingFaceGenerationDefaults[key];
      continue;
    }
    const value = model[key];
    if (value === null) {
      resolved[key] = offValues[key];
      continue;
    }
    const matters = doSample || key === 'repetition_penalty';
    const parsed = llmGenerationConfigSchema.shape[key].safeParse(value);
    if (!parsed.success || parsed.data === undefined) {
      if (!matters) {
        resolved[key] = huggingFaceGenerationDefaults[key];
        continue;
      }
      throw invalidModelValue(
        key,
        value,
        parsed.success ? 'not a value' : (parsed.error.issues[0]?.message ?? ''),
      );
    }
    resolved[key] = parsed.data;
  }
  let maxNewTokens = task.max_new_tokens;
  if (maxNewTokens === undefined) {
    const value = model.max_new_tokens;
    if (value === undefined || value === null) maxNewTokens = defaultMaxNewTokens;
    else {
      const parsed = llmGenerationConfigSchema.shape.max_new_tokens.safeParse(value);
      if (!parsed.success || parsed.data === undefined)
        throw invalidModelValue(
          'max_new_tokens',
          value,
          parsed.success ? '' : (parsed.error.issues[0]?.message ?? ''),
        );
      maxNewTokens = parsed.data;
    }
  }
  return {
    do_sample: doSample,
    temperature: resolved.temperature as number,
    top_k: resolved.top_k as number,
    top_p: resolved.top_p as number,
    min_p: resolved.min_p as number | null,
    typical_p: resolved.typical_p as number,
    repetition_penalty: resolved.repetition_penalty as number,
    max_new_tokens: maxNewTokens,
    eos_token_id: [...parameters.eosTokenIds],
  };
}

function pickModelBoolean(model: Record<string, unknown>, key: string): boolean | undefined {
  const value = model[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidModelValue(key, value, 'expected true or false');
  return value;
}

function invalidModelValue(key: string, value: unknown, why: string): InvalidTaskArgsError {
  return new InvalidTaskArgsError([
    {
      field: `generation_config.${key}`,
      kind: 'invalid',
      reason: `the model's generation_config.json sets ${key} to ${JSON.stringify(value)}${why ? ` (${why})` : ''}; set generation_config.${key} in the task`,
    },
  ]);
}
