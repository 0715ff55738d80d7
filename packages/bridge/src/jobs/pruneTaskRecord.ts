import type { TaskRecord } from '@verinet/sdk';
import type { JobStore } from '../store/types.js';
import { sdkTaskPrefix } from './createSdkStore.js';

/**
 * Drops the argument bytes from the SDK's record of an ended task (done or failed): they were needed to upload
 * and to check the result, not after. Records of tasks still active are left whole (they may resume).
 *
 * @example
 * await pruneTaskRecord(store, job.id);
 */
export async function pruneTaskRecord(store: JobStore, id: string): Promise<void> {
  const text = await store.getState(sdkTaskPrefix + id);
  if (text === undefined) return;
  const record = JSON.parse(text) as TaskRecord;
  if ((record.phase !== 'done' && record.phase !== 'failed') || record.args === '0x') return;
  await store.setState(sdkTaskPrefix + id, JSON.stringify({ ...record, args: '0x' }));
}
