import { SdModelFormatError } from '../errors.js';

export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type SchedulerMethod =
  | 'DDIM'
  | 'PNDM'
  | 'EulerDiscrete'
  | 'EulerAncestralDiscrete'
  | 'DPMSolverMultistep'
  | 'LCM';

/**
 * Every diffusers scheduler config key one of our samplers takes, with its value after the merge of the
 * class defaults, the model's scheduler_config.json and the task's `scheduler.args`. String-valued keys keep
 * the raw string: `resolveSchedulerSettings` refuses, by name, any value we do not implement.
 */
export type SchedulerSettings = {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: string;
  trained_betas: number[] | null;
  prediction_type: string;
  timestep_spacing: string;
  steps_offset: number;
  rescale_betas_zero_snr: boolean;
  set_alpha_to_one: boolean;
  clip_sample: boolean;
  clip_sample_range: number;
  thresholding: boolean;
  dynamic_thresholding_ratio: number;
  sample_max_value: number;
  skip_prk_steps: boolean;
  interpolation_type: string;
  use_karras_sigmas: boolean;
  use_exponential_sigmas: boolean;
  use_beta_sigmas: boolean;
  use_lu_lambdas: boolean;
  use_flow_sigmas: boolean;
  flow_shift: number;
  sigma_min: number | null;
  sigma_max: number | null;
  timestep_type: string;
  final_sigmas_type: string;
  solver_order: number;
  algorithm_type: string;
  solver_type: string;
  lower_order_final: boolean;
  euler_at_final: boolean;
  lambda_min_clipped: number;
  variance_type: string | null;
  original_inference_steps: number;
  timestep_scaling: number;
};
export type SchedulerKey = keyof SchedulerSettings;

/** A model's scheduler_config.json: the keys it sets, type-checked (unknown keys are kept aside). */
export type ModelSchedulerConfig = Partial<SchedulerSettings> & {
  /** The scheduler class the model ships (`_class_name`), for messages. */
  className?: string | undefined;
  /** Keys none of our samplers takes: diffusers' from_config ignores them too. */
  ignoredKeys?: string[] | undefined;
};
/** @deprecated the old name of {@link ModelSchedulerConfig}. */
export type NoiseScheduleConfig = ModelSchedulerConfig;

type KeyKind = 'number' | 'integer' | 'boolean' | 'string' | 'number?' | 'string?' | 'betas?';

const keyKinds: Record<SchedulerKey, KeyKind> = {
  num_train_timesteps: 'integer',
  beta_start: 'number',
  beta_end: 'number',
  beta_schedule: 'string',
  trained_betas: 'betas?',
  prediction_type: 'string',
  timestep_spacing: 'string',
  steps_offset: 'integer',
  rescale_betas_zero_snr: 'boolean',
  set_alpha_to_one: 'boolean',
  clip_sample: 'boolean',
  clip_sample_range: 'number',
  thresholding: 'boolean',
  dynamic_thresholding_ratio: 'number',
  sample_max_value: 'number',
  skip_prk_steps: 'boolean',
  interpolation_type: 'string',
  use_karras_sigmas: 'boolean',
  use_exponential_sigmas: 'boolean',
  use_beta_sigmas: 'boolean',
  use_lu_lambdas: 'boolean',
  use_flow_sigmas: 'boolean',
  flow_shift: 'number',
  sigma_min: 'number?',
  sigma_max: 'number?',
  timestep_type: 'string',
  final_sigmas_type: 'string',
  solver_order: 'integer',
  algorithm_type: 'string',
  solver_type: 'string',
  lower_order_final: 'boolean',
  euler_at_final: 'boolean',
  lambda_min_clipped: 'number',
  variance_type: 'string?',
  original_inference_steps: 'integer',
  timestep_scaling: 'number',
};

/** Every key of the SchedulerSettings, in a stable order. */
export const schedulerKeys = Object.keys(keyKinds) as SchedulerKey[];

const commonKeys: readonly SchedulerKey[] = [
  'num_train_timesteps',
  'beta_start',
  'beta_end',
  'beta_schedule',
  'trained_betas',
  'prediction_type',
  'timestep_spacing',
  'steps_offset',
];
const thresholdKeys: readonly SchedulerKey[] = [
  'thresholding',
  'dynamic_thresholding_ratio',
  'sample_max_value',
];

/**
 * The config keys each diffusers class takes in its constructor (diffusers 0.27–0.32). `from_config` ignores
 * every other key of a model's scheduler_config.json, and so do we; each key listed here is implemented or
 * refused by name.
 */
export const schedulerClassKeys: Record<SchedulerMethod, readonly SchedulerKey[]> = {
  DDIM: [
    ...commonKeys,
    'rescale_betas_zero_snr',
    'set_alpha_to_one',
    'clip_sample',
    'clip_sample_range',
    ...thresholdKeys,
  ],
  PNDM: [...commonKeys, 'skip_prk_steps', 'set_alpha_to_one'],
  EulerDiscrete: [
    ...commonKeys,
    'rescale_betas_zero_snr',
    'interpolation_type',
    'use_karras_sigmas',
    'use_exponential_sigmas',
    'use_beta_sigmas',
    'sigma_min',
    'sigma_max',
    'timestep_type',
    'final_sigmas_type',
  ],
  EulerAncestralDiscrete: [...commonKeys, 'rescale_betas_zero_snr'],
  DPMSolverMultistep: [
    ...commonKeys,
    'rescale_betas_zero_snr',
    'solver_order',
    ...thresholdKeys,
    'algorithm_type',
    'solver_type',
    'lower_order_final',
    'euler_at_final',
    'use_karras_sigmas',
    'use_exponential_sigmas',
    'use_beta_sigmas',
    'use_lu_lambdas',
    'use_flow_sigmas',
    'flow_shift',
    'final_sigmas_type',
    'lambda_min_clipped',
    'variance_type',
  ],
  LCM: [
    ...commonKeys,
    'rescale_betas_zero_snr',
    'original_inference_steps',
    'clip_sample',
    'clip_sample_range',
    'set_alpha_to_one',
    ...thresholdKeys,
    'timestep_scaling',
  ],
};

/**
 * Values of keys a model's config leaves out. The noise schedule keeps Stable Diffusion's (scaled_linear
 * 0.00085 … 0.012 over 1000 steps; diffusers' classes default to linear 0.0001 … 0.02, but every SD model
 * ships these keys); every other key takes the diffusers class default, per class below.
 */
export const baseSchedulerSettings: SchedulerSettings = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  trained_betas: null,
  prediction_type: 'epsilon',
  timestep_spacing: 'linspace',
  steps_offset: 0,
  rescale_betas_zero_snr: false,
  set_alpha_to_one: true,
  clip_sample: false,
  clip_sample_range: 1,
  thresholding: false,
  dynamic_thresholding_ratio: 0.995,
  sample_max_value: 1,
  skip_prk_steps: false,
  interpolation_type: 'linear',
  use_karras_sigmas: false,
  use_exponential_sigmas: false,
  use_beta_sigmas: false,
  use_lu_lambdas: false,
  use_flow_sigmas: false,
  flow_shift: 1,
  sigma_min: null,
  sigma_max: null,
  timestep_type: 'discrete',
  final_sigmas_type: 'zero',
  solver_order: 2,
  algorithm_type: 'dpmsolver++',
  solver_type: 'midpoint',
  lower_order_final: true,
  euler_at_final: false,
  lambda_min_clipped: Number.NEGATIVE_INFINITY,
  variance_type: null,
  original_inference_steps: 50,
  timestep_scaling: 10,
};

/** Where each class's own defaults differ from {@link baseSchedulerSettings}. */
export const schedulerClassDefaults: Record<SchedulerMethod, Partial<SchedulerSettings>> = {
  DDIM: { timestep_spacing: 'leading', clip_sample: true, set_alpha_to_one: true },
  PNDM: { timestep_spacing: 'leading', set_alpha_to_one: false, skip_prk_steps: false },
  EulerDiscrete: { timestep_spacing: 'linspace' },
  EulerAncestralDiscrete: { timestep_spacing: 'linspace' },
  DPMSolverMultistep: { timestep_spacing: 'linspace' },
  LCM: { timestep_spacing: 'leading', clip_sample: false, set_alpha_to_one: true },
};

/**
 * Checks one config value's JSON type; returns an error reason or undefined. `-Infinity` (which Python's
 * json writes for lambda_min_clipped) arrives as the string "-Infinity".
 */
export function checkSchedulerValue(key: SchedulerKey, value: unknown): string | undefined {
  const kind = keyKinds[key];
  const finite = typeof value === 'number' && Number.isFinite(value);
  switch (kind) {
    case 'number':
      return finite || (key === 'lambda_min_clipped' && value === Number.NEGATIVE_INFINITY)
        ? undefined
        : 'must be a finite number';
    case 'integer':
      return finite && Number.isInteger(value) ? undefined : 'must be an integer';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'number?':
      return value === null || finite ? undefined : 'must be a finite number or null';
    case 'string?':
      return value === null || typeof value === 'string' ? undefined : 'must be a string or null';
    case 'betas?':
      return value === null ||
        (Array.isArray(value) && value.every((b) => typeof b === 'number' && b > 0 && b < 1))
        ? undefined
        : 'must be null or an array of betas in (0, 1)';
  }
}

/** Parses scheduler_config.json text, reading Python's `-Infinity`/`Infinity`/`NaN` tokens as strings. */
export function parseSchedulerConfigText(text: string): unknown {
  return JSON.parse(text.replace(/(:\s*)(-?Infinity|NaN)(\s*[,}\n])/g, '$1"$2"$3'));
}

/**
 * Reads a diffusers scheduler_config.json (any scheduler class): checks the type of every key one of our
 * samplers takes and keeps it; keys none of them takes are listed in `ignoredKeys` (diffusers' from_config
 * ignores them as well). Whether a value is implemented is decided per task, for the sampler it names, by
 * `resolveSchedulerSettings`.
 *
 * @throws SdModelFormatError when the document is not an object or a key has the wrong type.
 */
export function parseSchedulerConfig(json: unknown, model = 'model'): ModelSchedulerConfig {
  const fail = (reason: string) =>
    new SdModelFormatError({ model, file: 'scheduler/scheduler_config.json', reason });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fail('expected a JSON object');
  const config: ModelSchedulerConfig = {};
  const ignored: string[] = [];
  for (const [key, raw] of Object.entries(json as Record<string, unknown>)) {
    if (key === '_class_name') {
      if (typeof raw === 'string') config.className = raw;
      continue;
    }
    if (key.startsWith('_')) continue;
    if (!Object.hasOwn(keyKinds, key)) {
      ignored.push(key);
      continue;
    }
    let value = raw;
    if (key === 'lambda_min_clipped' && value === '-Infinity') value = Number.NEGATIVE_INFINITY;
    // diffusers writes None for the optional keys whose default is None (trained_betas, sigma_min,
    // sigma_max, variance_type); null is their default here too.
    if (value === null) continue;
    const problem = checkSchedulerValue(key as SchedulerKey, value);
    if (problem) throw fail(`${key} ${problem}`);
    (config as Record<string, unknown>)[key] = value;
  }
  if (ignored.length > 0) config.ignoredKeys = ignored;
  return config;
}

/** @deprecated the 1.0 name of {@link baseSchedulerSettings} (Stable Diffusion's noise schedule). */
export const defaultNoiseScheduleConfig: SchedulerSettings = baseSchedulerSettings;
