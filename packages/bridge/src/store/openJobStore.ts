import type { BridgeConfig } from '../config/bridgeConfig.js';
import { createPostgresJobStore } from './createPostgresJobStore.js';
import { createSqliteJobStore } from './createSqliteJobStore.js';
import type { JobStore } from './types.js';

/**
 * The configured job store: SQLite by default, PostgreSQL when `store.kind` is `postgres`.
 *
 * @example
 * const store = await openJobStore(config.store);
 */
export async function openJobStore(store: BridgeConfig['store']): Promise<JobStore> {
  if (store.kind === 'postgres') return createPostgresJobStore(store.postgresUrl as string);
  return createSqliteJobStore(store.sqlitePath);
}
