// One task's protocol progress as the UI shows it, whichever way it runs (bridge job or DApp SDK events).
import type { Job } from './bridge.js';

export type ProgressStep = { key: string; label: string; done: boolean; detail?: string };

const labels: [keyof Job['steps'], string][] = [
  ['created', 'Task created on chain'],
  ['node', 'Node selected'],
  ['scored', 'Result committed (score)'],
  ['sampled', 'Sampling revealed'],
  ['validated', 'Validated'],
  ['paid', 'Node paid'],
];

export function stepsOfJob(job: Job): ProgressStep[] {
  return labels.map(([key, label]) => {
    const step = job.steps?.[key];
    let detail = step?.txHash ? `tx ${step.txHash.slice(0, 10)}…` : undefined;
    if (key === 'node' && job.tasks?.[0]?.node) detail = `node ${job.tasks[0].node.slice(0, 10)}…`;
    if (key === 'sampled' && job.steps?.sampled) {
      detail = job.steps.sampled.value ? 'in a validation group of 3' : 'not sampled (single validation)';
    }
    return { key, label, done: step !== null && step !== undefined, detail };
  });
}
