import type { TaskRecord } from '../types.js';

/**
 * Where a client persists its tasks. Every method may be async (IndexedDB); `putTask` must be durable when its
 * promise resolves, because the SDK sends a transaction only after the record that allows resuming it is saved.
 */
export interface TaskStore {
  getTask(id: string): Promise<TaskRecord | undefined>;
  /** Inserts or replaces one record atomically. */
  putTask(record: TaskRecord): Promise<void>;
  /** `active`: only tasks not done or failed. Oldest first. */
  listTasks(filter?: { active?: boolean | undefined }): Promise<TaskRecord[]>;
  getValue(key: string): Promise<string | undefined>;
  setValue(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}
