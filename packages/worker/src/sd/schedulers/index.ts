export {
  baseSchedulerSettings,
  defaultNoiseScheduleConfig,
  type ModelSchedulerConfig,
  type NoiseScheduleConfig,
  parseSchedulerConfig,
  parseSchedulerConfigText,
  type SchedulerKey,
  type SchedulerMethod,
  type SchedulerSettings,
  schedulerClassDefaults,
  schedulerClassKeys,
  schedulerKeys,
  type TimestepSpacing,
} from './config.js';
export {
  type CreateSchedulerParameters,
  createScheduler,
  createSchedulerFromSettings,
  schedulerMethods,
} from './createScheduler.js';
export { createDdimScheduler } from './ddim.js';
export { createDpmSolverScheduler } from './dpmSolver.js';
export { createEulerScheduler } from './euler.js';
export { createLcmScheduler } from './lcm.js';
export {
  getAlphasCumprod,
  getBetas,
  getKarrasSigmas,
  getSigmas,
  getSpacedTimesteps,
  interpolate,
  linspace,
  rescaleZeroTerminalSnr,
  roundHalfEven,
  sigmaToTimestep,
} from './noiseSchedule.js';
export { createPndmScheduler } from './pndm.js';
export { portableExp, portablePow } from './portableMath.js';
export {
  type ResolveSchedulerSettingsParameters,
  resolveSchedulerSettings,
  type SchedulerArgs,
} from './resolveSchedulerSettings.js';
export type { NoiseSource, Scheduler } from './types.js';
