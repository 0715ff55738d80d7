import { createRandomBytes32 } from '@verinet/protocol/commitment';
import { isEnded } from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import { VerinetError } from '../errors/index.js';
import type { TaskRecord } from '../types.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { abortTask } from './abortTask.js';
import { createMemberRecord } from './prepareTask.js';

/**
 * Starts a new attempt of a task whose node did not deliver: the current members are aborted (they must be
 * past their timeout, or queued), then a fresh original with a new GUID, nonce and salt (same arguments,
 * requirements and fee) replaces them. The old task keys are kept in `previous`; their fees are owed back.
 * Run the new attempt with client.runTask(params, { id }) or the lower-level steps.
 *
 * @example
 * await client.resubmitTask(id);
 */
export async function resubmitTask(
  context: SdkContext,
  id: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<TaskRecord> {
  let record = await loadRecord(context, id);
  if (record.phase === 'done') throw new VerinetError(`Task ${id} is done; there is nothing to resubmit.`);
  record = await abortTask(context, id, options);
  const open = record.members.filter((m) => m.state !== undefined && m.state !== 'None' && !isEnded(m.state));
  if (open.length > 0) {
    throw new VerinetError(`Task ${id} still has members on chain that are not ended.`, {
      details: [`${open.map((m) => `${m.taskKey}: ${m.state}`).join('; ')}`, 'Validate them first.'],
    });
  }
  const ended = [...(record.replaced ?? []), ...record.members];
  const refunded = ended
    .filter((m) => m.outcome === 'refunded')
    .reduce((total, m) => total + BigInt(m.fee), BigInt(record.previousRefunded ?? '0'));
  const fee = record.members[0]?.fee ?? '0';
  record.previous.push(...ended.filter((m) => m.state && m.state !== 'None').map((m) => m.taskKey));
  record.replaced = undefined;
  record.previousRefunded = refunded.toString();
  record.guid = createRandomBytes32();
  record.members = [createMemberRecord(record, 'original', fee)];
  record.sampled = undefined;
  record.vrfProof = undefined;
  record.validation = undefined;
  record.resultKey = undefined;
  record.resubmits++;
  record.phase = 'prepared';
  await saveRecord(context, record);
  context.emit({ type: 'resubmitted', id, taskKeys: [...record.previous] });
  return record;
}
