import type { SdkContext } from '../client/context.js';
import { TaskNotFoundError } from '../errors/index.js';
import type { TaskRecord } from '../types.js';

/** The stored record of task `id` (TaskNotFoundError when the store does not know it). */
export async function loadRecord(context: SdkContext, id: string): Promise<TaskRecord> {
  const record = await context.store.getTask(id);
  if (!record) throw new TaskNotFoundError(id);
  return record;
}

/** Saves a record (stamping updatedAt); called before every transaction that depends on it. */
export async function saveRecord(context: SdkContext, record: TaskRecord): Promise<TaskRecord> {
  record.updatedAt = Date.now();
  await context.store.putTask(record);
  return record;
}
