export { getBackoffMs, getTaskAction, reduceTask, type TaskAction, type TaskInput } from './reduceTask.js';
export { type TaskOutcome, type TaskRecord, type TaskStep, taskSteps, terminalSteps } from './types.js';
