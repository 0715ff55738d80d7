import { randomUUID } from 'node:crypto';
import {
  ContractRevertedError,
  GroupNoAgreementError,
  InsufficientFundsError,
  InvalidTaskArgumentsError,
  TaskCancelledError,
  TaskErrorReportedError,
  type TaskEvent,
  TaskQueuedError,
  TaskTimeoutError,
  type VerinetClient,
  VerinetError,
} from '@verinet/sdk';
import type { Logger } from 'pino';
import type { BridgeMetrics } from '../app/createBridgeMetrics.js';
import { JobLeaseLostError, type JobPatch, type JobRecord, type JobStore } from '../store/types.js';
import { applyTaskEvent } from './applyTaskEvent.js';
import { getJobCharge } from './getJobCharge.js';
import { pruneArgs } from './pruneArgs.js';
import { pruneTaskRecord } from './pruneTaskRecord.js';

export type JobRunner = {
  /** Starts (or resumes) a job in the background. */
  submit(job: JobRecord): void;
  /** Resumes every job that was queued or running when the bridge stopped. */
  resumeAll(): Promise<number>;
  /** Calls `listener` with the job after each change; returns the unsubscribe function. */
  watch(id: string, listener: (job: JobRecord) => void): () => void;
  /** Resolves with the job once finished, or with its current state when `signal` aborts. */
  waitForJob(id: string, signal: AbortSignal): Promise<JobRecord | undefined>;
  /** Stops the running jobs where they are (they resume at the next start); resolves when all have stopped. */
  stop(): Promise<void>;
  /** True once stop() was called (waiting requests are let go then). */
  stopping(): boolean;
  running(): number;
};

/** Error classes after which the job is over: the SDK has refunded or never sent the fee. */
const finalErrors: { type: new (...args: never[]) => Error; code: string }[] = [
  { type: TaskErrorReportedError, code: 'error_reported' },
  { type: GroupNoAgreementError, code: 'group_no_agreement' },
  { type: TaskTimeoutError, code: 'timeout' },
  { type: TaskQueuedError, code: 'no_node' },
  { type: ContractRevertedError, code: 'reverted' },
  { type: InvalidTaskArgumentsError, code: 'invalid_args' },
  { type: InsufficientFundsError, code: 'bridge_insufficient_funds' },
];

const isFinished = (job: JobRecord) => job.status === 'succeeded' || job.status === 'failed';

/** How long a bridge holds a job it runs without renewing (renewed every third of it). */
export const defaultLeaseMs = 30_000;

/**
 * Runs jobs through the SDK's resumable task flow (the SDK record id is the job id, so a restarted bridge
 * resumes the same on-chain tasks and never creates, pays or validates twice). Progress events become the
 * job's protocol steps; the verified result files are stored with the job's success in one transaction.
 *
 * @example
 * const runner = createJobRunner({ store, client, log, metrics, concurrency: 16 }); await runner.resumeAll();
 */
export function createJobRunner(parameters: {
  store: JobStore;
  client: VerinetClient;
  log: Logger;
  metrics: BridgeMetrics;
  concurrency: number;
  /** Lease of a running job (other bridges on the same store wait that long after a crash); default 30 s. */
  leaseMs?: number | undefined;
  /**
   * Who holds this runner's leases. A bridge restarted in the same place (host and port) takes its own jobs
   * back at once; default: a new id per runner (a restart then waits for the old leases to run out).
   */
  owner?: string | undefined;
}): JobRunner {
  const { store, client, log, metrics } = parameters;
  const leaseMs = parameters.leaseMs ?? defaultLeaseMs;
  const owner = parameters.owner ?? `bridge_${randomUUID()}`;
  const watchers = new Map<string, Set<(job: JobRecord) => void>>();
  const active = new Map<string, Promise<void>>();
  const queue: JobRecord[] = [];
  const controller = new AbortController();
  let stopping = false;
  let sweep: NodeJS.Timeout | undefined;

  const notify = (job: JobRecord) => {
    for (const listener of watchers.get(job.id) ?? []) listener(job);
  };

  /** The job's charge from the SDK's record (what the wallet spent), its arguments pruned, in one patch. */
  async function ending(job: JobRecord): Promise<JobPatch> {
    const record = await client.getTask(job.id);
    return { chargedWei: getJobCharge(record), args: pruneArgs(job.args) };
  }

  async function runJob(initial: JobRecord): Promise<void> {
    // Another bridge on the same store may be running it: only the lease holder does.
    if (!(await store.claimJob(initial.id, owner, Date.now() + leaseMs, Date.now()))) return;
    const lost = new AbortController();
    const renew = setInterval(async () => {
      const held = await store
        .claimJob(initial.id, owner, Date.now() + leaseMs, Date.now())
        .catch(() => true);
      if (!held) {
        log.warn({ job: initial.id }, 'job lease lost; another bridge runs it');
        lost.abort();
      }
    }, leaseMs / 3);
    renew.unref();
    try {
      await runLeased(initial, AbortSignal.any([controller.signal, lost.signal])).catch((error: unknown) => {
        if (!(error instanceof JobLeaseLostError)) throw error;
        log.warn({ job: initial.id }, 'job lease lost; another bridge runs it');
      });
    } finally {
      clearInterval(renew);
      if (stopping || lost.signal.aborted) await store.releaseJob(initial.id, owner).catch(() => {});
    }
  }

  async function runLeased(initial: JobRecord, signal: AbortSignal): Promise<void> {
    let job = initial;
    // Progress writes are chained so they land in event order.
    let writes: Promise<unknown> = Promise.resolve();
    const update = (patch: JobPatch) => {
      writes = writes.then(async () => {
        job = await store.updateJob(job.id, patch, Date.now(), owner);
        notify(job);
      });
      return writes;
    };
    // Progress is folded synchronously (events can arrive faster than the writes land), then written.
    let progress = { steps: job.steps, tasks: job.tasks };
    const onProgress = (event: TaskEvent) => {
      const next = applyTaskEvent(progress, event);
      if (next === progress) return;
      progress = next;
      void update(next).catch((error) => log.warn({ err: error, job: job.id }, 'progress not saved'));
    };
    if (job.status === 'queued') await update({ status: 'running' });
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await client.runTask(
          { type: job.type, args: job.args as never, fee: job.feeWei },
          { id: job.id, onProgress, signal },
        );
        await writes;
        const now = Date.now();
        // Validation pays in the same transaction; when the SDK reported no separate payment event, the
        // verified result's fees say the node was paid.
        const steps =
          progress.steps.paid === null && result.base.feesPaid > 0n
            ? { ...progress.steps, paid: { at: progress.steps.validated?.at ?? now } }
            : progress.steps;
        const executionMs = steps.node && steps.scored ? Math.max(0, steps.scored.at - steps.node.at) : null;
        const totalMs = now - job.createdAt;
        job = await store.completeJob(
          job.id,
          result.files,
          {
            status: 'succeeded',
            error: null,
            ...(await ending(job)),
            steps,
            timings: {
              totalMs,
              executionMs,
              protocolMs: executionMs === null ? null : totalMs - executionMs,
            },
          },
          now,
          owner,
        );
        // The waiting request first; the housekeeping after.
        notify(job);
        await pruneTaskRecord(store, job.id).catch((error) => log.warn({ err: error }, 'record not pruned'));
        metrics.jobs.inc({ type: job.type, status: 'succeeded' });
        metrics.jobSeconds.observe({ type: job.type }, totalMs / 1000);
        log.info({ job: job.id, ms: now - started }, 'job succeeded');
        return;
      } catch (error) {
        await writes.catch(() => {});
        if (error instanceof TaskCancelledError || stopping || signal.aborted) return;
        // Another bridge took the job over while this one stalled: its writes were refused; leave it alone.
        if (error instanceof JobLeaseLostError) {
          log.warn({ job: job.id }, 'job lease lost; another bridge runs it');
          return;
        }
        const final = finalErrors.find((f) => error instanceof f.type);
        const retryable = error instanceof VerinetError && error.retryable;
        if (final || !retryable || attempt >= 20) {
          const message = error instanceof VerinetError ? error.shortMessage : String(error);
          // The key is charged what the wallet spent on the job (refunded fees are not; fees still locked in
          // tasks that have not ended are), with the failure in one transaction: a crash between the two
          // cannot leave the key charged for nothing or not charged for what was paid.
          job = await store.updateJob(
            job.id,
            { status: 'failed', error: { code: final?.code ?? 'failed', message }, ...(await ending(job)) },
            Date.now(),
            owner,
          );
          notify(job);
          await pruneTaskRecord(store, job.id).catch((error) =>
            log.warn({ err: error }, 'record not pruned'),
          );
          metrics.jobs.inc({ type: job.type, status: 'failed' });
          log.warn({ job: job.id, err: error }, 'job failed');
          return;
        }
        const delay = Math.min(30_000, 500 * 2 ** attempt);
        log.warn({ job: job.id, err: error, delay }, 'job step failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
        if (stopping || signal.aborted) return;
      }
    }
  }

  const pump = () => {
    while (!stopping && queue.length > 0 && active.size < parameters.concurrency) {
      const job = queue.shift() as JobRecord;
      if (active.has(job.id)) continue;
      const run = runJob(job)
        .catch((error) => log.error({ err: error, job: job.id }, 'job runner error'))
        .finally(() => {
          active.delete(job.id);
          pump();
        });
      active.set(job.id, run);
    }
  };

  return {
    submit(job) {
      if (isFinished(job) || active.has(job.id) || queue.some((q) => q.id === job.id)) return;
      queue.push(job);
      pump();
    },
    async resumeAll() {
      const jobs = await store.listUnfinishedJobs();
      for (const job of jobs) this.submit(job);
      // Jobs whose bridge died (their lease runs out) are taken over by the next sweep of a live one.
      sweep ??= setInterval(() => {
        if (stopping) return;
        this.resumeAll().catch((error) => log.warn({ err: error }, 'resume sweep failed'));
      }, leaseMs / 2).unref();
      return jobs.length;
    },
    watch(id, listener) {
      const set = watchers.get(id) ?? new Set();
      set.add(listener);
      watchers.set(id, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) watchers.delete(id);
      };
    },
    async waitForJob(id, waitSignal) {
      // Requests waiting for a job are let go when the bridge stops, so that shutdown does not wait for jobs.
      const signal = AbortSignal.any([waitSignal, controller.signal]);
      const current = await store.getJob(id);
      if (!current || isFinished(current) || signal.aborted) return current;
      return new Promise((resolve) => {
        // Polling as well: with PostgreSQL another bridge instance may be the one running the job.
        const timer = setInterval(async () => {
          const job = await store.getJob(id).catch(() => undefined);
          if (job && isFinished(job)) finish(job);
        }, 1000);
        const unwatch = this.watch(id, (job) => {
          if (isFinished(job)) finish(job);
        });
        const onAbort = async () => finish(await store.getJob(id).catch(() => current));
        signal.addEventListener('abort', onAbort, { once: true });
        function finish(job: JobRecord | undefined) {
          clearInterval(timer);
          unwatch();
          signal.removeEventListener('abort', onAbort);
          resolve(job);
        }
      });
    },
    async stop() {
      stopping = true;
      clearInterval(sweep);
      queue.length = 0;
      controller.abort();
      await Promise.allSettled(active.values());
    },
    stopping: () => stopping,
    running: () => active.size,
  };
}
