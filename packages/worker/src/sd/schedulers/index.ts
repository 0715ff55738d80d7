export {
  defaultNoiseScheduleConfig,
  type NoiseScheduleConfig,
  parseSchedulerConfig,
  type SchedulerMethod,
  type TimestepSpacing,
} from './config.js';
export {
  type CreateSchedulerParameters,
  createScheduler,
  type SchedulerArgs,
  schedulerMethods,
} from './createScheduler.js';
export { createDdimScheduler } from './ddim.js';
export { createDpmSolverScheduler } from './dpmSolver.js';
export { createEulerScheduler } from './euler.js';
export { createLcmScheduler } from './lcm.js';
export {
  getAlphasCumprod,
  getSigmas,
  getSpacedTimesteps,
  interpolate,
  linspace,
  roundHalfEven,
} from './noiseSchedule.js';
export type { NoiseSource, Scheduler } from './types.js';
