import { SdUnsupportedArgumentError } from '../errors.js';
import {
  baseSchedulerSettings,
  checkSchedulerValue,
  type ModelSchedulerConfig,
  type SchedulerKey,
  type SchedulerMethod,
  type SchedulerSettings,
  schedulerClassDefaults,
  schedulerClassKeys,
} from './config.js';

/**
 * The task's `scheduler.args`: diffusers config keys of the named class (plus DDIM's `eta`, a step
 * argument in diffusers). Keys left undefined take the model's value, then the class default.
 */
export type SchedulerArgs = Readonly<Record<string, unknown>>;

export type ResolveSchedulerSettingsParameters = {
  method: SchedulerMethod;
  /** The model's scheduler_config.json, parsed. */
  config: ModelSchedulerConfig;
  args?: SchedulerArgs | undefined;
};

const spacings = new Set(['leading', 'trailing', 'linspace']);
const betaSchedules = new Set(['linear', 'scaled_linear', 'squaredcos_cap_v2']);
const sampleCapable = new Set<SchedulerMethod>(['DDIM', 'DPMSolverMultistep', 'LCM']);

/**
 * Merges what diffusers' `Class.from_config(model_config, **args)` merges (the reference network builds its
 * scheduler that way): the class defaults, the keys of the model's scheduler_config.json the class takes,
 * then the task's args. Every value is then either one we implement with diffusers' semantics or refused by
 * name, with the argument naming where it came from (`scheduler.args.use_beta_sigmas` or
 * `scheduler_config.json use_beta_sigmas`).
 *
 * @throws SdUnsupportedArgumentError for an arg the class does not take, a wrong type or an unimplemented value.
 * @example
 * const settings = resolveSchedulerSettings({ method: 'EulerDiscrete', config, args: { use_karras_sigmas: true } });
 */
export function resolveSchedulerSettings({
  method,
  config,
  args = {},
}: ResolveSchedulerSettingsParameters): SchedulerSettings {
  const keys = schedulerClassKeys[method];
  if (!keys)
    throw new SdUnsupportedArgumentError({
      argument: 'scheduler.method',
      reason: `"${String(method)}" is not one of ${Object.keys(schedulerClassKeys).join(', ')}`,
    });
  const settings: SchedulerSettings = { ...baseSchedulerSettings, ...schedulerClassDefaults[method] };
  const writable = settings as Record<SchedulerKey, unknown>;
  const source = new Map<SchedulerKey, string>();
  for (const key of keys) {
    const value = config[key];
    if (value === undefined) continue;
    writable[key] = value;
    source.set(key, `scheduler_config.json ${key}`);
  }
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || (key === 'eta' && method === 'DDIM')) continue;
    const argument = `scheduler.args.${key}`;
    if (!(keys as readonly string[]).includes(key))
      throw new SdUnsupportedArgumentError({
        argument,
        reason: `${method} has no config key "${key}" (it takes ${keys.join(', ')})`,
      });
    const problem = checkSchedulerValue(key as SchedulerKey, value);
    if (problem) throw new SdUnsupportedArgumentError({ argument, reason: problem });
    writable[key as SchedulerKey] = value;
    source.set(key as SchedulerKey, argument);
  }
  const refuse = (key: SchedulerKey, reason: string) =>
    new SdUnsupportedArgumentError({ argument: source.get(key) ?? key, reason });
  const s = settings;
  if (s.num_train_timesteps < 2) throw refuse('num_train_timesteps', 'must be at least 2');
  if (s.trained_betas !== null) {
    if (s.trained_betas.length !== s.num_train_timesteps)
      throw refuse(
        'trained_betas',
        `has ${s.trained_betas.length} betas for num_train_timesteps ${s.num_train_timesteps}`,
      );
  } else if (!betaSchedules.has(s.beta_schedule)) {
    throw refuse(
      'beta_schedule',
      `"${s.beta_schedule}" is not implemented (linear, scaled_linear, squaredcos_cap_v2)`,
    );
  } else if (!(s.beta_start > 0 && s.beta_end > 0 && s.beta_start < 1 && s.beta_end < 1)) {
    throw refuse(s.beta_start > 0 && s.beta_start < 1 ? 'beta_end' : 'beta_start', 'must be in (0, 1)');
  }
  const predictions = sampleCapable.has(method)
    ? ['epsilon', 'v_prediction', 'sample']
    : ['epsilon', 'v_prediction'];
  if (!predictions.includes(s.prediction_type))
    throw refuse(
      'prediction_type',
      `"${s.prediction_type}" is not implemented for ${method} (${predictions.join(', ')})`,
    );
  if (!spacings.has(s.timestep_spacing))
    throw refuse('timestep_spacing', `"${s.timestep_spacing}" is not one of leading, trailing, linspace`);
  if (s.steps_offset < 0) throw refuse('steps_offset', 'must not be negative');
  if (!(s.clip_sample_range > 0)) throw refuse('clip_sample_range', 'must be positive');
  if (!(s.dynamic_thresholding_ratio > 0 && s.dynamic_thresholding_ratio <= 1))
    throw refuse('dynamic_thresholding_ratio', 'must be in (0, 1]');
  if (!(s.sample_max_value > 0)) throw refuse('sample_max_value', 'must be positive');
  if (s.interpolation_type !== 'linear')
    throw refuse('interpolation_type', `"${s.interpolation_type}" is not implemented (linear only)`);
  if (s.use_beta_sigmas)
    throw refuse('use_beta_sigmas', 'beta sigmas (scipy beta quantiles) are not implemented');
  if (s.use_flow_sigmas) throw refuse('use_flow_sigmas', 'flow-matching sigmas are not implemented');
  if (s.use_exponential_sigmas && method === 'DPMSolverMultistep')
    throw refuse('use_exponential_sigmas', 'exponential sigmas are implemented for EulerDiscrete only');
  const spacingFlags = (
    ['use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas', 'use_lu_lambdas'] as const
  ).filter((key) => s[key]);
  if (spacingFlags.length > 1)
    throw refuse(spacingFlags[1]!, `only one of ${spacingFlags.join(', ')} may be true`);
  for (const key of ['sigma_min', 'sigma_max'] as const) {
    const value = s[key];
    if (value !== null && !(value > 0)) throw refuse(key, 'must be positive');
  }
  if (s.timestep_type !== 'discrete' && s.timestep_type !== 'continuous')
    throw refuse('timestep_type', `"${s.timestep_type}" is not one of discrete, continuous`);
  if (s.final_sigmas_type !== 'zero' && s.final_sigmas_type !== 'sigma_min')
    throw refuse('final_sigmas_type', `"${s.final_sigmas_type}" is not one of zero, sigma_min`);
  if (s.solver_order !== 1 && s.solver_order !== 2)
    throw refuse('solver_order', `${s.solver_order} is not implemented (1 or 2)`);
  // diffusers maps these names to the solver it runs instead.
  if (s.algorithm_type === 'deis') s.algorithm_type = 'dpmsolver++';
  if (s.algorithm_type !== 'dpmsolver++')
    throw refuse('algorithm_type', `"${s.algorithm_type}" is not implemented (dpmsolver++ only)`);
  if (s.solver_type === 'logrho' || s.solver_type === 'bh1' || s.solver_type === 'bh2')
    s.solver_type = 'midpoint';
  if (s.solver_type !== 'midpoint' && s.solver_type !== 'heun')
    throw refuse('solver_type', `"${s.solver_type}" is not one of midpoint, heun`);
  if (s.variance_type !== null)
    throw refuse('variance_type', `"${s.variance_type}" needs a UNet with learned variance, not implemented`);
  if (s.original_inference_steps < 1 || s.original_inference_steps > s.num_train_timesteps)
    throw refuse('original_inference_steps', `must be in 1 … ${s.num_train_timesteps}`);
  return settings;
}
