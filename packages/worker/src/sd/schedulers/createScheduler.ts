import { SdUnsupportedArgumentError } from '../errors.js';
import type { NoiseScheduleConfig, SchedulerMethod, TimestepSpacing } from './config.js';
import { createDdimScheduler } from './ddim.js';
import { createDpmSolverScheduler } from './dpmSolver.js';
import { createEulerScheduler } from './euler.js';
import { createLcmScheduler } from './lcm.js';
import type { Scheduler } from './types.js';

/** Scheduler names accepted in `scheduler.method` (the diffusers class names without "Scheduler"). */
export const schedulerMethods: readonly SchedulerMethod[] = [
  'DDIM',
  'EulerDiscrete',
  'EulerAncestralDiscrete',
  'DPMSolverMultistep',
  'LCM',
];

/** Per-method options as the task arguments carry them (`scheduler.args`). */
export type SchedulerArgs = {
  eta?: number | undefined;
  timestep_spacing?: TimestepSpacing | undefined;
  algorithm_type?: string | undefined;
  solver_order?: number | undefined;
  original_inference_steps?: number | undefined;
};

export type CreateSchedulerParameters = {
  method: SchedulerMethod;
  args?: SchedulerArgs | undefined;
  /** The model's scheduler_config.json noise schedule. */
  config: NoiseScheduleConfig;
  steps: number;
};

/**
 * Creates the sampler a task names, set up for `steps` inference steps.
 *
 * @example
 * const scheduler = createScheduler({ method: 'EulerAncestralDiscrete', config, steps: 20 });
 */
export function createScheduler({ method, args = {}, config, steps }: CreateSchedulerParameters): Scheduler {
  if (!Number.isInteger(steps) || steps < 1)
    throw new SdUnsupportedArgumentError({
      argument: 'task_config.steps',
      reason: `${steps} is not a positive integer`,
    });
  const timestepSpacing = args.timestep_spacing;
  switch (method) {
    case 'DDIM':
      return createDdimScheduler({ config, steps, eta: args.eta, timestepSpacing });
    case 'EulerDiscrete':
      return createEulerScheduler({ config, steps, timestepSpacing });
    case 'EulerAncestralDiscrete':
      return createEulerScheduler({ config, steps, ancestral: true, timestepSpacing });
    case 'DPMSolverMultistep':
      if ((args.algorithm_type ?? 'dpmsolver++') !== 'dpmsolver++' || (args.solver_order ?? 2) !== 2)
        throw new SdUnsupportedArgumentError({
          argument: 'scheduler.args',
          reason: 'DPMSolverMultistep runs as DPM-Solver++ of order 2 only',
        });
      return createDpmSolverScheduler({ config, steps, timestepSpacing });
    case 'LCM': {
      const originalInferenceSteps = args.original_inference_steps ?? 50;
      if (steps > originalInferenceSteps)
        throw new SdUnsupportedArgumentError({
          argument: 'task_config.steps',
          reason: `LCM takes at most original_inference_steps (${originalInferenceSteps}) steps`,
        });
      return createLcmScheduler({ config, steps, originalInferenceSteps });
    }
    default:
      throw new SdUnsupportedArgumentError({
        argument: 'scheduler.method',
        reason: `"${String(method)}" is not one of ${schedulerMethods.join(', ')}`,
      });
  }
}
