import type { TaskRecord, TaskStore } from '@verinet/sdk';

/**
 * The SDK's task store in localStorage, so that a task paid for in DApp mode resumes after a reload. Each
 * write is synchronous and complete when it returns. The records hold the task's secrets (GUID, nonces, salts):
 * they stay in this browser profile, readable by this origin only.
 */
export function createLocalStorageStore(account: string, storage: Storage = localStorage): TaskStore {
  // One namespace per wallet account: its tasks and its VRF key are its own.
  const prefix = `verinet.sdk.${account.toLowerCase()}.`;
  const taskKey = (id: string) => `${prefix}task.${id}`;
  return {
    async getTask(id) {
      const raw = storage.getItem(taskKey(id));
      return raw ? (JSON.parse(raw) as TaskRecord) : undefined;
    },
    async putTask(record) {
      storage.setItem(taskKey(record.id), JSON.stringify(record));
    },
    async listTasks(filter) {
      const records: TaskRecord[] = [];
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (!key?.startsWith(`${prefix}task.`)) continue;
        const record = JSON.parse(storage.getItem(key) ?? 'null') as TaskRecord | null;
        if (!record) continue;
        const active = record.phase !== 'done' && record.phase !== 'failed';
        if (!filter?.active || active) records.push(record);
      }
      return records.sort((a, b) => a.createdAt - b.createdAt);
    },
    async getValue(key) {
      return storage.getItem(`${prefix}value.${key}`) ?? undefined;
    },
    async setValue(key, value) {
      storage.setItem(`${prefix}value.${key}`, value);
    },
    async close() {},
  };
}
