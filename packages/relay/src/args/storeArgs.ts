import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { getArgsHash, getModelId, getTaskArgsVerdict, getTaskModelIds } from '@verinet/protocol/args';
import { getArgsCommitment } from '@verinet/protocol/commitment';
import type { Address, Hex } from 'viem';
import type { RelayContext } from '../app/context.js';
import { RelayError } from '../errors/RelayError.js';
import { getArgsQuotaRefusal } from '../storage/getArgsQuotaRefusal.js';
import type { ArgsQuota, ArgsRecord, ArgsUsage } from '../storage/types.js';

export type StoreArgsParameters = {
  creator: Address;
  argsCommitment: Hex;
  salt: Hex;
  taskType: 'sd' | 'llm' | 'sd_ft';
  bytes: Uint8Array;
  /** The task is already on chain (paid for): the pending-upload quota does not apply. */
  taskExists?: boolean | undefined;
};

/**
 * Checks and stores a creator's arguments: they must open `argsCommitment` with `salt`, and the nodes' own
 * verdict on them (`getTaskArgsVerdict`, the function the worker classifies with) must not be `unsupported`:
 * a task nodes cannot run and do not report could only time out, and the relay's statement would then make
 * that timeout the node's fault. Arguments every node refuses and reports (`invalid_args`) are refused when
 * they break the schema, held when they use a feature the task's version lacks (nodes report those on chain).
 * Each model the task names must be declared by at least one registered node (when the relay knows the
 * NodeRegistry). Pending uploads (no task yet) are bounded per creator and in total. Idempotent: the same
 * upload again returns the stored record, its expiry moved forward so the new statement is not stale.
 */
export async function storeArgs(
  context: RelayContext,
  parameters: StoreArgsParameters,
): Promise<{ created: boolean; record: ArgsRecord }> {
  const { creator, salt, taskType, bytes } = parameters;
  const argsCommitment = parameters.argsCommitment.toLowerCase() as Hex;
  const argsHash = getArgsHash(bytes);
  if (getArgsCommitment(argsHash, salt).toLowerCase() !== argsCommitment)
    throw new RelayError(
      'ARGS_COMMITMENT_MISMATCH',
      `keccak256(keccak256(body) ‖ salt) is not ${argsCommitment}: upload the exact canonical bytes and the salt used on chain.`,
    );
  const verdict = getTaskArgsVerdict(taskType, bytes);
  if (verdict.status === 'unsupported')
    throw new RelayError(
      'ARGS_UNSUPPORTED',
      `${taskType} arguments refused: ${verdict.error.shortMessage} No node of this network version would run them, so the task could only time out.`,
    );
  if (verdict.status === 'invalid_args' && verdict.error.kind === 'invalid')
    throw new RelayError('ARGS_INVALID', `${taskType} arguments refused: ${verdict.error.shortMessage}`);
  if (verdict.status === 'runnable') await checkModelHolders(context, taskType, verdict.args);

  const { meta, objects } = context.storage;
  const { config } = context;
  const expiry = context.now() + config.retention.argsExpirySeconds;
  const existing = await meta.getArgs(argsCommitment);
  if (existing) {
    checkSame(existing, creator, taskType);
    const refreshed = await meta.refreshArgsExpiry(argsCommitment, expiry);
    // Gone between the two reads (the retention job deleted it): store it again below.
    if (refreshed) return { created: false, record: refreshed };
  }
  const unlimited = Number.POSITIVE_INFINITY;
  const quota: ArgsQuota = parameters.taskExists
    ? {
        perCreatorCount: unlimited,
        perCreatorBytes: unlimited,
        totalBytes: unlimited,
        newCreatorCount: unlimited,
        newCreatorBytes: unlimited,
        newCreatorsTotalBytes: unlimited,
      }
    : {
        perCreatorCount: config.limits.pendingArgsPerCreator,
        perCreatorBytes: config.limits.pendingArgsBytesPerCreator,
        totalBytes: config.limits.pendingArgsBytesTotal,
        newCreatorCount: config.limits.pendingArgsPerNewCreator,
        newCreatorBytes: config.limits.pendingArgsBytesPerNewCreator,
        newCreatorsTotalBytes: config.limits.pendingArgsBytesNewCreators,
      };
  // A cheap check before writing the object; the insert checks again, atomically.
  checkQuota(await meta.getArgsUsage(creator), bytes.length, quota, config.chain.retryAfterSeconds);
  const { key: objectKey } = await objects.put(
    `args/${argsCommitment}/${randomUUID()}`,
    Readable.from([Buffer.from(bytes)]),
    { maxBytes: config.limits.argsBytes, size: bytes.length },
  );
  const inserted = await meta.insertArgs(
    {
      argsCommitment,
      creator,
      salt: salt.toLowerCase() as Hex,
      argsHash,
      taskType,
      size: bytes.length,
      objectKey,
      expiry,
      createdAt: context.now(),
    },
    quota,
  );
  if (inserted.refused) {
    await objects.delete(objectKey);
    checkQuota(inserted.refused, bytes.length, quota, config.chain.retryAfterSeconds);
    throw new RelayError('ARGS_QUOTA_EXCEEDED', 'The pending-upload quota is full.');
  }
  if (!inserted.inserted) {
    // Another instance (or a concurrent retry) stored it first: keep theirs.
    await objects.delete(objectKey);
    checkSame(inserted.record, creator, taskType);
    const refreshed = await meta.refreshArgsExpiry(argsCommitment, expiry);
    return { created: false, record: refreshed ?? inserted.record };
  }
  context.metrics.bytesIn.inc({ kind: 'args' }, bytes.length);
  return { created: true, record: inserted.record };
}

/** Throws ARGS_QUOTA_EXCEEDED naming the limit that `size` more bytes would cross. */
function checkQuota(used: ArgsUsage, size: number, quota: ArgsQuota, retryAfter: number): void {
  const refusal = getArgsQuotaRefusal(used, size, quota);
  if (refusal !== undefined)
    throw new RelayError(
      'ARGS_QUOTA_EXCEEDED',
      `${refusal}: uploads without a task on chain count until their task is created or their statement expires.`,
      { retryAfter: Math.max(retryAfter, 30) },
    );
}

/** Refuses a task whose models no registered node declares: no node could run it, it would time out. */
async function checkModelHolders(
  context: RelayContext,
  taskType: StoreArgsParameters['taskType'],
  args: Parameters<typeof getTaskModelIds>[1],
): Promise<void> {
  for (const modelId of getTaskModelIds(taskType, args)) {
    const holders = await context.chain.getModelHolderCount(getModelId(modelId));
    if (holders === undefined) return;
    if (holders === 0n)
      throw new RelayError(
        'MODEL_UNAVAILABLE',
        `No registered node declares the model ${modelId}, so no node could run this task; it would time out.`,
      );
  }
}

function checkSame(record: ArgsRecord, creator: Address, taskType: string): ArgsRecord {
  if (record.creator !== creator)
    throw new RelayError('ARGS_CONFLICT', 'Arguments with this commitment are held for another creator.');
  if (record.taskType !== taskType)
    throw new RelayError(
      'ARGS_CONFLICT',
      `These arguments are held as a ${record.taskType} task, not ${taskType}.`,
    );
  return record;
}
