import type { TaskArgsIssue } from './errors.js';
import type { LlmTaskArgs } from './llm.js';
import type { SdTaskArgs } from './sd.js';
import type { SdFinetuneTaskArgs } from './sdFinetune.js';
import type { TaskType } from './taskType.js';
import { compareVersions } from './version.js';

/**
 * A feature the schema defines but a worker may not implement. `since` is the task-argument version that
 * introduced support (null: no version of this major supports it yet).
 *
 * Support is decided by the TASK's version, never by the node's: two nodes of different minor versions in
 * one validation group must reach the same verdict, or the one that refuses would be slashed. A future
 * worker that implements `lora` sets `since: '1.1.0'`; a task that wants LoRA then declares version 1.1.0,
 * and the contracts only pick nodes at 1.1.0 or later for it.
 */
type FeatureRule<Args> = {
  since: string | null;
  reason: string;
  /** Dotted paths of the fields that use the feature; empty when unused. */
  find: (args: Args) => string[];
};

/** Task version at which a feature became supported (adapters: LoRA, textual inversion). */
const sdFeatureSince: Partial<Record<string, string>> = {
  lora: '1.1.0',
  textual_inversion: '1.1.0',
  controlnet: '1.1.0',
};

const sdRules: FeatureRule<SdTaskArgs>[] = (
  ['unet', 'vae', 'textual_inversion', 'lora', 'controlnet', 'refiner'] as const
).map((field) => {
  const since = sdFeatureSince[field] ?? null;
  return {
    since,
    reason:
      since === null
        ? `${field} is not implemented by worker version 1.x`
        : `${field} is not implemented by worker versions before ${since}`,
    find: (args) => (args[field] === undefined ? [] : [field]),
  };
});

/** Worker 1.x runs float32 only (CPU); half precision would also change output bits between runtimes. */
const halfPrecisionRule: FeatureRule<{ dtype: string }> = {
  since: null,
  reason: 'float16 and bfloat16 are not implemented by worker version 1.x (use float32 or auto)',
  find: (args) => (args.dtype === 'float16' || args.dtype === 'bfloat16' ? ['dtype'] : []),
};

sdRules.push(
  halfPrecisionRule,
  {
    since: null,
    reason: 'model variants are not implemented by worker version 1.x (one copy per model id)',
    find: (args) => (args.base_model.variant === null ? [] : ['base_model.variant']),
  },
  {
    since: null,
    reason: 'no safety checker ships with worker version 1.x; set safety_checker to false',
    find: (args) => (args.task_config.safety_checker ? ['task_config.safety_checker'] : []),
  },
);

const llmRules: FeatureRule<LlmTaskArgs>[] = [
  halfPrecisionRule,
  {
    since: null,
    reason: 'tool calling is not implemented by worker version 1.x',
    find: (args) => (args.tools === undefined ? [] : ['tools']),
  },
  {
    since: null,
    reason: 'quantized weights are not implemented by worker version 1.x',
    find: (args) => (args.quantize_bits === undefined ? [] : ['quantize_bits']),
  },
  {
    since: null,
    reason: 'beam search (num_beams > 1) is not implemented by worker version 1.x',
    find: (args) => (args.generation_config.num_beams > 1 ? ['generation_config.num_beams'] : []),
  },
  {
    since: null,
    reason: 'more than one returned sequence is not implemented by worker version 1.x',
    find: (args) =>
      args.generation_config.num_return_sequences > 1 ? ['generation_config.num_return_sequences'] : [],
  },
  {
    since: null,
    reason: 'image content parts are not implemented by worker version 1.x',
    find: (args) =>
      args.messages.flatMap((message, i) =>
        typeof message.content === 'string'
          ? []
          : message.content.flatMap((part, j) =>
              part.type === 'image_url' ? [`messages.${i}.content.${j}`] : [],
            ),
      ),
  },
];

const sdFinetuneRules: FeatureRule<SdFinetuneTaskArgs>[] = [];

const rules = { sd: sdRules, llm: llmRules, sd_ft: sdFinetuneRules } as const;

/**
 * Lists the fields of parsed arguments that this package's workers do not support for the task's version.
 *
 * @example
 * getUnsupportedFields('llm', args) // [{ field: 'tools', kind: 'unsupported', reason: '…' }]
 */
export function getUnsupportedFields(taskType: 'sd', args: SdTaskArgs): TaskArgsIssue[];
export function getUnsupportedFields(taskType: 'llm', args: LlmTaskArgs): TaskArgsIssue[];
export function getUnsupportedFields(taskType: 'sd_ft', args: SdFinetuneTaskArgs): TaskArgsIssue[];
export function getUnsupportedFields(taskType: TaskType, args: { version: string }): TaskArgsIssue[];
export function getUnsupportedFields(taskType: TaskType, args: { version: string }): TaskArgsIssue[] {
  const issues: TaskArgsIssue[] = [];
  for (const rule of rules[taskType] as FeatureRule<typeof args>[]) {
    if (rule.since !== null && compareVersions(args.version, rule.since) >= 0) continue;
    for (const field of rule.find(args)) {
      issues.push({
        field,
        kind: 'unsupported',
        reason:
          rule.since === null ? rule.reason : `${rule.reason}; it needs task version ${rule.since} or later`,
      });
    }
  }
  return issues;
}
