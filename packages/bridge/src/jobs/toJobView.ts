import type { JobRecord } from '../store/types.js';

/** A job as the native task API shows it (docs/bridge.md, "Native task API"). */
export type JobView = {
  id: string;
  type: JobRecord['type'];
  status: JobRecord['status'];
  source: JobRecord['source'];
  createdAt: number;
  updatedAt: number;
  args: unknown;
  error: JobRecord['error'];
  fee: string;
  /** What the job counts against the key's spend limit (wei): the reserved fee until it ends, then what the
   * wallet spent on it net of refunds. */
  charged: string;
  steps: JobRecord['steps'];
  tasks: JobRecord['tasks'];
  timings: JobRecord['timings'];
  files: string[];
};

/**
 * The public view of a job. The extra tasks of a validation group are left out until validation has made the
 * group public on chain: before that, listing them would tell whoever reads this API (possibly a node
 * operator) which tasks are checked against each other.
 *
 * @example
 * reply.send(toJobView(job));
 */
export function toJobView(job: JobRecord): JobView {
  const groupPublic = job.steps.sampled !== null;
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    source: job.source,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    args: job.args,
    error: job.error,
    fee: job.feeWei.toString(),
    charged: job.chargedWei.toString(),
    steps: job.steps,
    tasks: groupPublic ? job.tasks : job.tasks.filter((t) => t.role !== 'member'),
    timings: job.timings,
    files: job.files,
  };
}
