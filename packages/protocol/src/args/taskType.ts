/** The task types, as the worker and the contracts name them (0 = sd, 1 = llm, 2 = sd_ft on chain). */
export type TaskType = 'sd' | 'llm' | 'sd_ft';

export const taskTypes = ['sd', 'llm', 'sd_ft'] as const satisfies readonly TaskType[];
