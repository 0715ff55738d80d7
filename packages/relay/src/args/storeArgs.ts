import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { getArgsHash, InvalidTaskArgsError, parseTaskArgsBytes } from '@verinet/protocol/args';
import { getArgsCommitment } from '@verinet/protocol/commitment';
import type { Address, Hex } from 'viem';
import type { RelayContext } from '../app/context.js';
import { RelayError } from '../errors/RelayError.js';
import type { ArgsRecord } from '../storage/types.js';

export type StoreArgsParameters = {
  creator: Address;
  argsCommitment: Hex;
  salt: Hex;
  taskType: 'sd' | 'llm' | 'sd_ft';
  bytes: Uint8Array;
};

/**
 * Checks and stores a creator's arguments: they must open `argsCommitment` with `salt` and be canonical JSON
 * that the task type's schema accepts (arguments a worker version does not support yet are held: a node
 * reports those on chain). Idempotent: the same upload again returns the stored record.
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
  try {
    parseTaskArgsBytes(taskType, bytes);
  } catch (error) {
    if (!(error instanceof InvalidTaskArgsError)) throw error;
    if (error.kind === 'invalid')
      throw new RelayError('ARGS_INVALID', `${taskType} arguments refused: ${error.shortMessage}`);
  }
  const { meta, objects } = context.storage;
  const existing = await meta.getArgs(argsCommitment);
  if (existing) return { created: false, record: checkSame(existing, creator, taskType) };
  const objectKey = `args/${argsCommitment}/${randomUUID()}`;
  await objects.put(objectKey, Readable.from([Buffer.from(bytes)]), {
    maxBytes: context.config.limits.argsBytes,
    size: bytes.length,
  });
  const now = context.now();
  const { inserted, record } = await meta.insertArgs({
    argsCommitment,
    creator,
    salt: salt.toLowerCase() as Hex,
    argsHash,
    taskType,
    size: bytes.length,
    objectKey,
    expiry: now + context.config.retention.argsExpirySeconds,
    createdAt: now,
  });
  if (!inserted) {
    // Another instance (or a concurrent retry) stored it first: keep theirs.
    await objects.delete(objectKey);
    return { created: false, record: checkSame(record, creator, taskType) };
  }
  context.metrics.bytesIn.inc({ kind: 'args' }, bytes.length);
  return { created: true, record };
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
