/** ITaskManager.TaskState, by on-chain number. */
export const taskStates = [
  'None',
  'Queued',
  'Started',
  'ScoreReady',
  'ErrorReported',
  'EndSuccess',
  'EndGroupSuccess',
  'EndGroupRefund',
  'EndInvalidated',
  'EndAborted',
  // F1 (two-phase draw): created, its node not drawn yet. Treated like Queued: no node may act on it yet.
  'Pending',
] as const;

export type TaskStateName = (typeof taskStates)[number];

/** States in which the task will never change again. */
export const terminalStates: ReadonlySet<TaskStateName> = new Set([
  'EndSuccess',
  'EndGroupSuccess',
  'EndGroupRefund',
  'EndInvalidated',
  'EndAborted',
]);

/** Terminal states whose result was validated (its fee locked for the node, or refunded as a matching member). */
export const releasedStates: ReadonlySet<TaskStateName> = new Set([
  'EndSuccess',
  'EndGroupSuccess',
  'EndGroupRefund',
]);

export const onChainTaskTypes = ['sd', 'llm', 'sd_ft'] as const;
