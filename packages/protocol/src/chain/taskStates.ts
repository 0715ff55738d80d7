/**
 * ITaskManager.TaskState by on-chain number: the one table every package decodes `tasks(key).state` with
 * (relay, node, SDK), so a state added to the contract is added here once.
 */
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
  // F1: created, its node not drawn yet; a later transaction (settleDraws) draws it from the creation block's
  // hash. Appended last so the earlier numbers keep their meaning.
  'Pending',
] as const;

export type TaskStateName = (typeof taskStates)[number];
