import type { TaskArgsIssue } from './errors.js';
import type { LlmTaskArgs } from './llm.js';
import { getSdSchedulerMethod, type SdTaskArgs, sdSchedulerArgsV1_0 } from './sd.js';
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
  refiner: '1.2.0',
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

/** The scheduler args as written, keyed by name (values undefined when left out). */
function schedulerArgs(args: SdTaskArgs): Record<string, unknown> {
  return args.scheduler.args as Record<string, unknown>;
}

/** A scheduler arg whose value is set and refused (`values` lists the refused ones). */
function refusedValue(key: string, refused: (value: unknown) => boolean) {
  return (args: SdTaskArgs): string[] => {
    const value = schedulerArgs(args)[key];
    return value !== undefined && refused(value) ? [`scheduler.args.${key}`] : [];
  };
}

sdRules.push(
  {
    since: '1.1.0',
    reason: 'the PNDM scheduler and the diffusers class names (…Scheduler) are new in task version 1.1.0',
    find: (args) =>
      args.scheduler.method === 'DDIM' ||
      (args.scheduler.method !== 'PNDM' && !args.scheduler.method.endsWith('Scheduler'))
        ? []
        : ['scheduler.method'],
  },
  {
    since: '1.1.0',
    reason: 'these scheduler config keys are new in task version 1.1.0',
    find: (args) => {
      const known = sdSchedulerArgsV1_0[getSdSchedulerMethod(args.scheduler.method)];
      const fields = Object.entries(schedulerArgs(args))
        .filter(([key, value]) => value !== undefined && !known.includes(key))
        .map(([key]) => `scheduler.args.${key}`);
      const { solver_order, algorithm_type } = schedulerArgs(args);
      if (solver_order !== undefined && solver_order !== 2) fields.push('scheduler.args.solver_order');
      if (algorithm_type === 'deis') fields.push('scheduler.args.algorithm_type');
      return fields;
    },
  },
  {
    since: null,
    reason: 'only DPM-Solver++ (dpmsolver++, or its alias deis) is implemented',
    find: refusedValue('algorithm_type', (v) => v !== 'dpmsolver++' && v !== 'deis'),
  },
  {
    since: null,
    reason: 'third-order DPM-Solver is not implemented (solver_order 1 or 2)',
    find: refusedValue('solver_order', (v) => v === 3),
  },
  {
    since: null,
    reason: 'learned variance needs a UNet with 8 output channels; not implemented',
    find: refusedValue('variance_type', (v) => v !== null),
  },
  {
    since: null,
    reason: 'beta sigmas (scipy beta quantiles) are not implemented',
    find: refusedValue('use_beta_sigmas', (v) => v === true),
  },
  {
    since: null,
    reason: 'exponential sigmas are implemented for EulerDiscrete only',
    find: (args) =>
      getSdSchedulerMethod(args.scheduler.method) === 'DPMSolverMultistep'
        ? refusedValue('use_exponential_sigmas', (v) => v === true)(args)
        : [],
  },
  {
    since: null,
    reason:
      'only one of use_karras_sigmas, use_exponential_sigmas, use_beta_sigmas, use_lu_lambdas may be true',
    find: (args) => {
      const set = ['use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas', 'use_lu_lambdas'].filter(
        (key) => schedulerArgs(args)[key] === true,
      );
      return set.length > 1 ? [`scheduler.args.${set[1]}`] : [];
    },
  },
  {
    since: null,
    reason: 'log_linear sigma interpolation is not implemented (linear only)',
    find: refusedValue('interpolation_type', (v) => v === 'log_linear'),
  },
  {
    since: null,
    reason: 'the sample prediction type is implemented for DDIM, DPMSolverMultistep and LCM only',
    find: (args) =>
      ['DDIM', 'DPMSolverMultistep', 'LCM'].includes(getSdSchedulerMethod(args.scheduler.method))
        ? []
        : refusedValue('prediction_type', (v) => v === 'sample')(args),
  },
  {
    since: null,
    reason:
      'a misspelling the reference network sends and diffusers ignores there; use clip_sample / clip_sample_range',
    find: (args) =>
      ['clip_samples', 'clip_samples_range']
        .filter((key) => schedulerArgs(args)[key] !== undefined)
        .map((key) => `scheduler.args.${key}`),
  },
);

sdRules.push(
  {
    since: '1.1.0',
    reason: 'image-to-image and inpainting are new in task version 1.1.0',
    find: (args) => (['init_image', 'inpaint'] as const).filter((field) => args[field] !== undefined),
  },
  {
    since: null,
    reason: "LCM's image-to-image schedule (strength-scaled distillation steps) is not implemented",
    find: (args) =>
      getSdSchedulerMethod(args.scheduler.method) === 'LCM'
        ? (['init_image', 'inpaint'] as const).filter((field) => args[field] !== undefined)
        : [],
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
        typeof message.content === 'string' || !message.content
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
