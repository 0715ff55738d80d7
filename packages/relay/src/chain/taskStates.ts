import type { TaskStateName } from '@verinet/protocol/chain/taskStates';

export { type TaskStateName, taskStates } from '@verinet/protocol/chain/taskStates';

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
