import { hexToBytes } from 'viem';
import type { SdkContext } from '../client/context.js';
import type { TaskRecord } from '../types.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { withRetry } from '../utils/withRetry.js';

/** Statements expiring sooner than this are renewed before createTask (the transaction must land before). */
const minStatementLifeSeconds = 120n;

/**
 * Uploads the canonical arguments of every current member not yet created to the relay (keyed by its
 * argsCommitment, with its salt) and keeps the relay's ArgsAvailable statement, which createTask carries.
 * Idempotent: the relay answers a repeated upload with the same statement.
 *
 * @example
 * await client.uploadArgs(record.id);
 */
export async function uploadArgs(
  context: SdkContext,
  id: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<TaskRecord> {
  const record = await loadRecord(context, id);
  const bytes = hexToBytes(record.args);
  const now = BigInt(Math.floor(Date.now() / 1000));
  for (const member of record.members) {
    if (member.state !== undefined && member.state !== 'None') continue;
    if (member.statement && BigInt(member.statement.expiry) > now + minStatementLifeSeconds) continue;
    const statement = await withRetry(context, { id, step: 'upload', signal: options.signal }, () =>
      context.relay.uploadArgs({
        argsCommitment: member.argsCommitment,
        salt: member.salt,
        taskType: record.taskType,
        bytes,
      }),
    );
    member.statement = { expiry: statement.expiry.toString(), signature: statement.signature };
    await saveRecord(context, record);
    context.emit({
      type: 'uploaded',
      id,
      taskKey: member.taskKey,
      argsCommitment: member.argsCommitment,
      expiry: statement.expiry,
    });
  }
  if (record.phase === 'prepared') {
    record.phase = 'creating';
    await saveRecord(context, record);
  }
  return record;
}
