import { SdUnsupportedArgumentError } from '../errors.js';
import type { ModelSchedulerConfig, SchedulerMethod, SchedulerSettings } from './config.js';
import { createDdimScheduler } from './ddim.js';
import { createDpmSolverScheduler } from './dpmSolver.js';
import { createEulerScheduler } from './euler.js';
import { createLcmScheduler } from './lcm.js';
import { createPndmScheduler } from './pndm.js';
import { resolveSchedulerSettings, type SchedulerArgs } from './resolveSchedulerSettings.js';
import type { Scheduler } from './types.js';

/** Scheduler names accepted in `scheduler.method` (the diffusers class names without "Scheduler"). */
export const schedulerMethods: readonly SchedulerMethod[] = [
  'DDIM',
  'EulerDiscrete',
  'EulerAncestralDiscrete',
  'DPMSolverMultistep',
  'LCM',
  'PNDM',
];

export type CreateSchedulerParameters = {
  method: SchedulerMethod;
  /** The task's `scheduler.args`: diffusers config keys of the class, plus DDIM's `eta`. */
  args?: SchedulerArgs | undefined;
  /** The model's scheduler_config.json, parsed. */
  config: ModelSchedulerConfig;
  steps: number;
};

/**
 * Creates the sampler a task names, set up for `steps` inference steps, from the merge diffusers'
 * `Class.from_config(model_config, **args)` makes (see resolveSchedulerSettings).
 *
 * @throws SdUnsupportedArgumentError naming the argument or config key that is not implemented.
 * @example
 * const scheduler = createScheduler({ method: 'EulerAncestralDiscrete', config, steps: 20 });
 */
export function createScheduler({ method, args = {}, config, steps }: CreateSchedulerParameters): Scheduler {
  if (!Number.isInteger(steps) || steps < 1)
    throw new SdUnsupportedArgumentError({
      argument: 'task_config.steps',
      reason: `${steps} is not a positive integer`,
    });
  const settings = resolveSchedulerSettings({ method, config, args });
  return createSchedulerFromSettings(method, settings, steps, args.eta as number | undefined);
}

/** Builds a sampler from already resolved settings (the diffusers scheduler tests construct them directly). */
export function createSchedulerFromSettings(
  method: SchedulerMethod,
  settings: SchedulerSettings,
  steps: number,
  eta?: number,
): Scheduler {
  switch (method) {
    case 'DDIM':
      return createDdimScheduler({ settings, steps, eta });
    case 'PNDM':
      if (!settings.skip_prk_steps && steps < 4)
        throw new SdUnsupportedArgumentError({
          argument: 'task_config.steps',
          reason: 'PNDM without skip_prk_steps takes at least 4 steps (diffusers refuses fewer)',
        });
      return createPndmScheduler({ settings, steps });
    case 'EulerDiscrete':
      return createEulerScheduler({ settings, steps });
    case 'EulerAncestralDiscrete':
      return createEulerScheduler({ settings, steps, ancestral: true });
    case 'DPMSolverMultistep':
      return createDpmSolverScheduler({ settings, steps });
    case 'LCM':
      if (steps > settings.original_inference_steps)
        throw new SdUnsupportedArgumentError({
          argument: 'task_config.steps',
          reason: `LCM takes at most original_inference_steps (${settings.original_inference_steps}) steps`,
        });
      return createLcmScheduler({ settings, steps });
    default:
      throw new SdUnsupportedArgumentError({
        argument: 'scheduler.method',
        reason: `"${String(method)}" is not one of ${schedulerMethods.join(', ')}`,
      });
  }
}
