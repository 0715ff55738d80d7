import type { SdkContext } from '../client/context.js';
import { VerinetError } from '../errors/index.js';
import type { TaskRecord } from '../types.js';
import { loadRecord, saveRecord } from '../utils/loadRecord.js';
import { createTask } from './createTask.js';
import { createMemberRecord } from './prepareTask.js';

/**
 * A sampled task's validation group: two more on-chain tasks with the same GUID, arguments, requirements and
 * fee (so they look like any other task), created after the original's seed was known. Their secrets are saved
 * before they are sent; then they are uploaded and created like the original.
 *
 * @example
 * if ((await client.sampleTask(id)).selected) await client.createGroupMembers(id);
 */
export async function createGroupMembers(
  context: SdkContext,
  id: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<TaskRecord> {
  const record = await loadRecord(context, id);
  if (record.sampled !== true) {
    throw new VerinetError(`Task ${id} was not sampled: it is validated alone, without a group.`);
  }
  const original = record.members[0];
  if (!original) throw new VerinetError(`Task ${id} has no original member.`);
  if (record.members.length === 1) {
    record.members.push(
      createMemberRecord(record, 'member', original.fee),
      createMemberRecord(record, 'member', original.fee),
    );
    await saveRecord(context, record);
  }
  const created = await createTask(context, id, options);
  context.emit({ type: 'group', id, taskKeys: created.members.map((m) => m.taskKey) });
  return created;
}
