/** The bridge's persistent state: API keys, jobs, their result files, the SDK's task state, settings. */

export type ApiKeyRecord = {
  id: string;
  name: string;
  keyHash: string;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
  /** Requests per minute; null: the bridge default. */
  requestsPerMinute: number | null;
  /** Total fees the key may spend, in wei; null: unlimited. */
  spendLimitWei: bigint | null;
  /** Fees reserved or spent so far, in wei. */
  spentWei: bigint;
};

export type JobType = 'sd' | 'llm';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type JobSource = 'openai' | 'native';

/** A protocol milestone of a job; null until reached. */
export type JobStep = { at: number; txHash?: string | undefined; blockNumber?: number | undefined } | null;

/** Protocol progress as the native task API shows it (docs/bridge.md, "Protocol status"). */
export type JobSteps = {
  created: JobStep;
  node: JobStep;
  scored: JobStep;
  /** Whether the job was sampled for validation; null until the app has revealed it on chain. */
  sampled: (NonNullable<JobStep> & { value: boolean }) | null;
  validated: JobStep;
  paid: JobStep;
};

/** One on-chain task of a job (one, or three when sampled). */
export type JobTask = {
  taskKey: string;
  /** `member`: an extra task of a validation group (shown once validation has made the group public). */
  role: 'original' | 'member';
  node: string | null;
  state: string;
  txs: Record<string, string>;
};

export type JobTimings = { totalMs: number; executionMs: number | null; protocolMs: number | null };

export type JobRecord = {
  id: string;
  keyId: string;
  idempotencyKey: string | null;
  /** sha256 of the request that created the job: an idempotency key reused for another request is refused. */
  requestHash: string;
  type: JobType;
  source: JobSource;
  /** The task arguments (input form) that are sent to the network. */
  args: unknown;
  feeWei: bigint;
  /**
   * What the job counts against its key's spend limit, in wei: the fee reserved at creation while it runs,
   * then what the wallet actually spent on it net of refunds (jobs/getJobCharge.ts) once it ended.
   */
  chargedWei: bigint;
  status: JobStatus;
  error: { code: string; message: string } | null;
  steps: JobSteps;
  tasks: JobTask[];
  timings: JobTimings | null;
  /** Names of the stored result files (`0.png`…, `result.json`). */
  files: string[];
  createdAt: number;
  updatedAt: number;
};

export type NewJob = Pick<
  JobRecord,
  'id' | 'keyId' | 'idempotencyKey' | 'requestHash' | 'type' | 'source' | 'args' | 'feeWei'
>;

/** A change of a job; `chargedWei` moves the key's spent total by the difference, in the same transaction. */
export type JobPatch = Partial<
  Pick<JobRecord, 'status' | 'error' | 'steps' | 'tasks' | 'timings' | 'args' | 'chargedWei'>
>;

export type CreateJobResult =
  | { kind: 'created'; job: JobRecord }
  /** The key already used this idempotency key: the first job, untouched. */
  | { kind: 'existing'; job: JobRecord }
  | { kind: 'overSpend'; limitWei: bigint; spentWei: bigint }
  /** The key already has this many jobs queued or running. */
  | { kind: 'tooManyJobs'; limit: number };

export type JobStore = {
  kind: 'sqlite' | 'postgres';
  insertKey(key: ApiKeyRecord): Promise<void>;
  findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listKeys(): Promise<ApiKeyRecord[]>;
  /** Revokes by id; false when no such key. */
  revokeKey(id: string, at: number): Promise<boolean>;
  /**
   * Reserves the job's fee against the key's spend limit and inserts the job, atomically; returns the
   * existing job when (keyId, idempotencyKey) was used before.
   */
  createJob(job: NewJob, now: number, limits: { unfinishedPerKey: number }): Promise<CreateJobResult>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** The job the key created with this idempotency key, if any (read before anything else is asked). */
  findJobByIdempotencyKey(keyId: string, idempotencyKey: string): Promise<JobRecord | undefined>;
  listJobs(keyId: string, options: { limit: number; before?: string | undefined }): Promise<JobRecord[]>;
  listUnfinishedJobs(): Promise<JobRecord[]>;
  /**
   * Changes a job; a `chargedWei` change and the key's spent total are written in one transaction. With
   * `leaseOwner`, only while that owner holds the job's lease (a fencing check in the same transaction):
   * otherwise nothing is written and JobLeaseLostError is thrown.
   */
  updateJob(id: string, patch: JobPatch, now: number, leaseOwner?: string): Promise<JobRecord>;
  /**
   * Takes (or renews) the lease to run an unfinished job until `until` (ms): true when `owner` holds it now.
   * Bridges sharing one store run a job only under its lease, so no two run it at once.
   */
  claimJob(id: string, owner: string, until: number, now: number): Promise<boolean>;
  /** Gives the lease up (when stopping), so that another bridge may resume the job at once. */
  releaseJob(id: string, owner: string): Promise<void>;
  /** Result files are written once, with the job's success, in one transaction. */
  completeJob(
    id: string,
    files: { name: string; bytes: Uint8Array }[],
    patch: JobPatch,
    now: number,
    leaseOwner?: string,
  ): Promise<JobRecord>;
  getFile(jobId: string, name: string): Promise<Uint8Array | undefined>;
  /** Opaque key/value state (the SDK's persisted task state, the URL-signing secret). */
  getState(key: string): Promise<string | undefined>;
  setState(key: string, value: string): Promise<void>;
  deleteState(key: string): Promise<void>;
  listState(prefix: string): Promise<{ key: string; value: string }[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
};

/**
 * A bridge wrote to a job whose lease another bridge had taken over (it stalled past its lease): the write was
 * refused, so a stalled bridge cannot overwrite the new holder's progress, charge or result.
 */
export class JobLeaseLostError extends Error {
  override name = 'JobLeaseLostError' as const;
  constructor(id: string, owner: string) {
    super(`The lease of job ${id} is no longer held by ${owner}: another bridge runs it.`);
  }
}

export const emptySteps = (): JobSteps => ({
  created: null,
  node: null,
  scored: null,
  sampled: null,
  validated: null,
  paid: null,
});
