import type { TaskRecord } from '../types.js';
import type { TaskStore } from './types.js';

const isActive = (record: TaskRecord) => record.phase !== 'done' && record.phase !== 'failed';

/**
 * A store in memory: tasks are lost when the process ends (use createSqliteStore in Node, or inject an
 * IndexedDB-backed store in a browser, to resume tasks after a restart).
 *
 * @example
 * const client = createClient({ chain, relay, account, store: createMemoryStore() });
 */
export function createMemoryStore(): TaskStore {
  const tasks = new Map<string, string>();
  const values = new Map<string, string>();
  // Records are kept serialized, so that a caller mutating a returned record cannot change the store.
  return {
    async getTask(id) {
      const json = tasks.get(id);
      return json === undefined ? undefined : (JSON.parse(json) as TaskRecord);
    },
    async putTask(record) {
      tasks.set(record.id, JSON.stringify(record));
    },
    async listTasks(filter) {
      const all = [...tasks.values()].map((json) => JSON.parse(json) as TaskRecord);
      const chosen = filter?.active ? all.filter(isActive) : all;
      return chosen.sort((a, b) => a.createdAt - b.createdAt);
    },
    async getValue(key) {
      return values.get(key);
    },
    async setValue(key, value) {
      values.set(key, value);
    },
    async close() {},
  };
}
