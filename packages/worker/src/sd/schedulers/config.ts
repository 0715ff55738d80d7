import { SdModelFormatError, SdUnsupportedArgumentError } from '../errors.js';

export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type SchedulerMethod =
  | 'DDIM'
  | 'EulerDiscrete'
  | 'EulerAncestralDiscrete'
  | 'DPMSolverMultistep'
  | 'LCM';

/** The training noise schedule and spacing options, as diffusers names them in scheduler_config.json. */
export type NoiseScheduleConfig = {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: 'scaled_linear' | 'linear';
  steps_offset: number;
  /** Only 'epsilon' (Stable Diffusion 1.x) is implemented. */
  prediction_type: 'epsilon';
  /** Missing: each scheduler's own diffusers default. */
  timestep_spacing?: TimestepSpacing | undefined;
  /** Missing: each scheduler's own diffusers default (DDIM and LCM: true). */
  set_alpha_to_one?: boolean | undefined;
};

/** diffusers' Stable Diffusion defaults (scaled_linear 0.00085..0.012, 1000 training steps). */
export const defaultNoiseScheduleConfig: NoiseScheduleConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  steps_offset: 0,
  prediction_type: 'epsilon',
};

const spacings = new Set(['leading', 'trailing', 'linspace']);

/**
 * Reads the noise-schedule fields of a diffusers scheduler_config.json (any scheduler class), keeping the
 * defaults for what is absent and refusing values this pipeline cannot honour.
 */
export function parseSchedulerConfig(json: unknown, model = 'model'): NoiseScheduleConfig {
  const fail = (reason: string) =>
    new SdModelFormatError({ model, file: 'scheduler/scheduler_config.json', reason });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fail('expected a JSON object');
  const raw = json as Record<string, unknown>;
  const config: NoiseScheduleConfig = { ...defaultNoiseScheduleConfig };
  const numberField = (key: 'num_train_timesteps' | 'beta_start' | 'beta_end' | 'steps_offset') => {
    const value = raw[key];
    if (value === undefined || value === null) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw fail(`${key} must be a number`);
    config[key] = value;
  };
  numberField('num_train_timesteps');
  numberField('beta_start');
  numberField('beta_end');
  numberField('steps_offset');
  if (!Number.isInteger(config.num_train_timesteps) || config.num_train_timesteps < 2)
    throw fail('num_train_timesteps must be an integer >= 2');
  if (raw.beta_schedule !== undefined) {
    if (raw.beta_schedule !== 'scaled_linear' && raw.beta_schedule !== 'linear')
      throw fail(`beta_schedule "${String(raw.beta_schedule)}" is not supported (scaled_linear, linear)`);
    config.beta_schedule = raw.beta_schedule;
  }
  if (raw.prediction_type !== undefined && raw.prediction_type !== 'epsilon')
    throw new SdUnsupportedArgumentError({
      argument: 'prediction_type',
      reason: `the model predicts "${String(raw.prediction_type)}"; only epsilon models are supported`,
    });
  if (raw.timestep_spacing !== undefined) {
    if (typeof raw.timestep_spacing !== 'string' || !spacings.has(raw.timestep_spacing))
      throw fail(
        `timestep_spacing "${String(raw.timestep_spacing)}" is not one of leading, trailing, linspace`,
      );
    config.timestep_spacing = raw.timestep_spacing as TimestepSpacing;
  }
  if (raw.set_alpha_to_one !== undefined) {
    if (typeof raw.set_alpha_to_one !== 'boolean') throw fail('set_alpha_to_one must be a boolean');
    config.set_alpha_to_one = raw.set_alpha_to_one;
  }
  return config;
}
