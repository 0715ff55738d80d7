import { createHash, randomBytes } from 'node:crypto';
import { canonicalizeJson, encodeTaskArgs } from '@verinet/protocol/args';
import type { BridgeContext } from '../app/context.js';
import { BridgeError } from '../errors/BridgeError.js';
import { toArgsError } from '../openai/toArgsError.js';
import type { ApiKeyRecord, JobRecord, JobSource, JobType } from '../store/types.js';

export type SubmitJobParameters = {
  key: ApiKeyRecord;
  type: JobType;
  args: unknown;
  source: JobSource;
  /** Client-chosen; the same key and idempotency key always mean the same job. */
  idempotencyKey: string | undefined;
  /** The request as received (before seeds were drawn), to tell a retry from a reuse of the key. */
  request: unknown;
};

/**
 * Creates a job (reserving its fee against the key's spend limit) and starts it, or returns the job an
 * earlier request with the same idempotency key created. Reusing an idempotency key for another request is
 * refused rather than silently answered with the first job's result.
 *
 * @example
 * const job = await submitJob(context, { key, type: 'llm', args, source: 'openai', idempotencyKey, request: body });
 */
export async function submitJob(context: BridgeContext, parameters: SubmitJobParameters): Promise<JobRecord> {
  const { key, type } = parameters;
  if (parameters.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(parameters.idempotencyKey))
    throw new BridgeError(
      'invalid_value',
      'The idempotency key must be 1 to 255 printable ASCII characters.',
      {
        param: 'idempotency_key',
      },
    );
  let canonicalRequest: string;
  try {
    canonicalRequest = canonicalizeJson(parameters.request as never);
  } catch (error) {
    // A lone surrogate or a non-finite number has no canonical form (I-JSON): the request is malformed.
    throw new BridgeError(
      'invalid_value',
      `The request has no canonical JSON form: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const argsBytes = Buffer.byteLength(canonicalizeJson(parameters.args as never));
  if (argsBytes > context.config.limits.argsBytes)
    throw new BridgeError(
      'body_too_large',
      `The task's arguments are ${argsBytes} bytes in canonical JSON; the network takes at most ${context.config.limits.argsBytes} (limits.argsBytes, the relay's limit).`,
    );
  // The checks the SDK would run before paying, run here before the job exists: a refusal is the client's 4xx
  // now rather than a failed job (and a 502) later.
  try {
    const parsed = encodeTaskArgs(type, parameters.args).args;
    // The prompt check renders the chat template, which refuses what the worker would (reserved template_args
    // keys, a template's raise_exception): the client's mistake, a 400 naming it, not a 500.
    await context.checkArgs?.[parameters.source]({ type, args: parsed });
  } catch (error) {
    throw toArgsError(error, {}, parameters.source === 'native' ? 'args.' : '');
  }
  const requestHash = createHash('sha256')
    .update(`${parameters.source}:${type}:${canonicalRequest}`)
    .digest('hex');
  const retried = (job: JobRecord): JobRecord => {
    if (job.requestHash !== requestHash)
      throw new BridgeError(
        'idempotency_conflict',
        `The idempotency key was already used for another request (job ${job.id}).`,
        { param: 'idempotency_key' },
      );
    context.runner.submit(job);
    return job;
  };
  // A retry of a job that exists is answered from the store: it needs no fee (nor the chain).
  if (parameters.idempotencyKey !== undefined) {
    const existing = await context.store.findJobByIdempotencyKey(key.id, parameters.idempotencyKey);
    if (existing) return retried(existing);
  }
  const fee = await context.fees(type).catch((cause: unknown) => {
    throw new BridgeError('not_ready', 'Cannot read the task fee from the chain: retry shortly.', {
      retryAfter: 5,
      cause,
    });
  });
  const result = await context.store.createJob(
    {
      id: `job_${randomBytes(16).toString('hex')}`,
      keyId: key.id,
      idempotencyKey: parameters.idempotencyKey ?? null,
      requestHash,
      type,
      source: parameters.source,
      args: parameters.args,
      feeWei: fee,
    },
    Date.now(),
    { unfinishedPerKey: context.config.limits.unfinishedJobsPerKey },
  );
  if (result.kind === 'tooManyJobs')
    throw new BridgeError(
      'too_many_jobs',
      `This API key already has ${result.limit} jobs queued or running (limits.unfinishedJobsPerKey): retry when one has finished.`,
      { retryAfter: 5 },
    );
  if (result.kind === 'overSpend')
    throw new BridgeError(
      'insufficient_quota',
      `This request's fee (${fee} wei) would take the API key past its spend limit (${result.spentWei} of ${result.limitWei} wei spent).`,
    );
  if (result.kind === 'existing') return retried(result.job);
  context.runner.submit(result.job);
  return result.job;
}
