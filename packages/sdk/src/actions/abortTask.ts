import { isEnded, isReported } from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import { ContractRevertedError } from '../errors/index.js';
import type { TaskRecord } from '../types.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { withRetry } from '../utils/withRetry.js';
import { refreshMember } from './refreshMember.js';

/**
 * Aborts every current member that has not reported: a queued one at any time (the creator may cancel it),
 * a started one once its execution timeout passed (`DeadlineNotReached` before). The fee of each is owed back
 * to the app (`withdraw`). Members already ended are left alone, so this is safe to repeat after a crash.
 *
 * @example
 * await client.abortTask(id);
 */
export async function abortTask(
  context: SdkContext,
  id: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<TaskRecord> {
  const record = await loadRecord(context, id);
  for (const member of record.members) {
    if (member.state === undefined || member.state === 'None') continue;
    const info = await refreshMember(context, record, member, options.signal);
    if (isEnded(info.state) || isReported(info.state)) continue;
    try {
      await withRetry(context, { id, step: 'abortTask', signal: options.signal }, () =>
        context.access.write({ functionName: 'abortTask', args: [member.taskKey] }),
      );
    } catch (error) {
      // Someone (a keeper, the node's report) moved it on between our read and our transaction.
      if (!(error instanceof ContractRevertedError && error.errorName === 'InvalidState')) throw error;
    }
    const after = await refreshMember(context, record, member, options.signal);
    if (after.state === 'EndAborted') {
      member.outcome = 'refunded';
      context.emit({
        type: 'aborted',
        id,
        taskKey: member.taskKey,
        reason: info.state === 'Queued' ? 'queued-timeout' : 'execution-timeout',
      });
      context.emit({ type: 'refunded', id, taskKey: member.taskKey, amount: BigInt(member.fee) });
    }
    await saveRecord(context, record);
  }
  return record;
}
