import type { TaskRecord, TaskStore } from '@verinet/sdk';
import type { JobStore } from '../store/types.js';

/** State keys of the SDK's task records (`sdk/task/<job id>`). */
export const sdkTaskPrefix = 'sdk/task/';
const valuePrefix = 'sdk/value/';

/**
 * The SDK's task store (its secrets and the phase of every task) kept in the bridge's own job store, so both
 * live in one database (SQLite or PostgreSQL) and a job and its on-chain tasks are recovered together.
 *
 * @example
 * const client = createClient({ …, store: createSdkStore(jobStore) });
 */
export function createSdkStore(store: JobStore): TaskStore {
  return {
    async getTask(id) {
      const text = await store.getState(sdkTaskPrefix + id);
      return text === undefined ? undefined : (JSON.parse(text) as TaskRecord);
    },
    async putTask(record) {
      await store.setState(sdkTaskPrefix + record.id, JSON.stringify(record));
    },
    async listTasks(filter) {
      const records = (await store.listState(sdkTaskPrefix))
        .map((row) => JSON.parse(row.value) as TaskRecord)
        .sort((a, b) => a.createdAt - b.createdAt);
      return filter?.active ? records.filter((r) => r.phase !== 'done' && r.phase !== 'failed') : records;
    },
    getValue: (key) => store.getState(valuePrefix + key),
    setValue: (key, value) => store.setState(valuePrefix + key, value),
    // The job store belongs to the bridge, which closes it after the SDK client.
    async close() {},
  };
}
