import { StoreError } from '../errors/index.js';
import type { TaskRecord } from '../types.js';
import type { TaskStore } from './types.js';

/*
 * The few IndexedDB types used here, declared structurally: the project compiles without the DOM library (its
 * Node code must not see browser globals), and any conforming IndexedDB (a browser's, fake-indexeddb) fits.
 */
type IdbRequest<T = unknown> = {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
};
type IdbOpenRequest = IdbRequest<IdbDatabase> & {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
};
type IdbObjectStore = {
  get(key: string): IdbRequest;
  getAll(): IdbRequest;
  put(value: unknown, key?: string): IdbRequest;
  createIndex(name: string, keyPath: string): unknown;
  index(name: string): { getAll(query: number): IdbRequest };
};
type IdbTransaction = {
  objectStore(name: string): IdbObjectStore;
  error: unknown;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
};
type IdbDatabase = {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string, options?: { keyPath: string }): IdbObjectStore;
  transaction(
    name: string,
    mode: 'readonly' | 'readwrite',
    options?: { durability: 'strict' | 'relaxed' | 'default' },
  ): IdbTransaction;
  close(): void;
  onversionchange: (() => void) | null;
};
export type IdbFactory = { open(name: string, version: number): IdbOpenRequest };

export type CreateIndexedDbStoreParameters = {
  /** Database name; one per app (and per account if one page serves several). Default `verinet-sdk`. */
  name?: string | undefined;
  /** The IndexedDB factory; default `globalThis.indexedDB` (a browser page or worker). */
  indexedDB?: IdbFactory | undefined;
};

/** Row of the `tasks` object store: the record as JSON, plus what listTasks filters and sorts on. */
type TaskRow = { id: string; active: 0 | 1; createdAt: number; json: string };

const version = 1;
const isActive = (record: TaskRecord) => record.phase !== 'done' && record.phase !== 'failed';

/**
 * A TaskStore in the browser's IndexedDB, so a DApp keeps its tasks (GUIDs, nonces, salts, the VRF key) across
 * page reloads and browser restarts and resumes them with `client.resumeTasks()` without paying twice. Every
 * write is one `readwrite` transaction with strict durability and resolves only on its `complete` event,
 * i.e. once the browser reports it written: the SDK sends a transaction only after that.
 *
 * The records hold the task's secrets; IndexedDB is per origin, so any script running on the page's origin
 * can read them.
 *
 * @example
 * const client = createClient({ chain, relay, account: { walletClient }, store: createIndexedDbStore() });
 * await client.resumeTasks();
 */
export function createIndexedDbStore(parameters: CreateIndexedDbStoreParameters = {}): TaskStore {
  const name = parameters.name ?? 'verinet-sdk';
  const factory = parameters.indexedDB ?? (globalThis as { indexedDB?: IdbFactory }).indexedDB;
  let opened: Promise<IdbDatabase> | undefined;
  let closed = false;

  const open = (): Promise<IdbDatabase> => {
    if (closed) return Promise.reject(new StoreError('The IndexedDB store is closed.'));
    if (!factory)
      return Promise.reject(
        new StoreError('IndexedDB is not available here.', {
          details: ['Pass { indexedDB } (e.g. from fake-indexeddb) or use another TaskStore.'],
        }),
      );
    opened ??= new Promise<IdbDatabase>((resolve, reject) => {
      const request = factory.open(name, version);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains('tasks')) {
          const tasks = db.createObjectStore('tasks', { keyPath: 'id' });
          tasks.createIndex('active', 'active');
        }
        if (!db.objectStoreNames.contains('values')) db.createObjectStore('values');
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading the schema: let it, and reopen on the next call.
        db.onversionchange = () => {
          db.close();
          opened = undefined;
        };
        resolve(db);
      };
      request.onerror = () => reject(toStoreError(`open ${name}`, request.error));
      request.onblocked = () =>
        reject(new StoreError(`IndexedDB ${name} is blocked by another tab holding an older version.`));
    });
    opened.catch(() => {
      opened = undefined;
    });
    return opened;
  };

  /** One transaction; resolves with `read`'s result once the transaction completed (durable for writes). */
  const run = async <T>(
    storeName: 'tasks' | 'values',
    mode: 'readonly' | 'readwrite',
    what: string,
    act: (store: IdbObjectStore) => IdbRequest | undefined,
  ): Promise<T> => {
    const db = await open();
    return new Promise<T>((resolve, reject) => {
      let transaction: IdbTransaction;
      try {
        transaction = db.transaction(storeName, mode, { durability: 'strict' });
      } catch (error) {
        reject(toStoreError(what, error));
        return;
      }
      const request = act(transaction.objectStore(storeName));
      transaction.oncomplete = () => resolve(request?.result as T);
      transaction.onerror = () => reject(toStoreError(what, transaction.error ?? request?.error));
      transaction.onabort = () => reject(toStoreError(what, transaction.error ?? 'aborted'));
    });
  };

  return {
    async getTask(id) {
      const row = await run<TaskRow | undefined>('tasks', 'readonly', `read task ${id}`, (store) =>
        store.get(id),
      );
      return row ? (JSON.parse(row.json) as TaskRecord) : undefined;
    },
    async putTask(record) {
      const row: TaskRow = {
        id: record.id,
        active: isActive(record) ? 1 : 0,
        createdAt: record.createdAt,
        json: JSON.stringify(record),
      };
      await run('tasks', 'readwrite', `save task ${record.id}`, (store) => store.put(row));
    },
    async listTasks(filter) {
      const rows = await run<TaskRow[]>('tasks', 'readonly', 'list tasks', (store) =>
        filter?.active ? store.index('active').getAll(1) : store.getAll(),
      );
      return rows.sort((a, b) => a.createdAt - b.createdAt).map((row) => JSON.parse(row.json) as TaskRecord);
    },
    async getValue(key) {
      return run<string | undefined>('values', 'readonly', `read ${key}`, (store) => store.get(key));
    },
    async setValue(key, value) {
      await run('values', 'readwrite', `save ${key}`, (store) => store.put(value, key));
    },
    async close() {
      closed = true;
      const db = await opened?.catch(() => undefined);
      db?.close();
    },
  };
}

function toStoreError(what: string, cause: unknown): StoreError {
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new StoreError(`IndexedDB could not ${what} (${message}).`, {
    details: [
      'The browser may be out of storage or in a private mode that refuses IndexedDB; nothing was sent after this failure.',
    ],
    cause,
  });
}
