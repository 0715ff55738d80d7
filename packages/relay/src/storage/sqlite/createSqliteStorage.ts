import { join } from 'node:path';
import { createCachedObjectStore } from '../createCachedObjectStore.js';
import { createFileObjectStore } from '../createFileObjectStore.js';
import type { RelayStorage } from '../types.js';
import { createSqliteMetaStore } from './createSqliteMetaStore.js';

/**
 * The default storage: SQLite metadata (`dataDir/relay.db`) and files under `dataDir/objects`.
 *
 * @example
 * const storage = await createSqliteStorage({ dataDir: '.verinet/relay' });
 */
export async function createSqliteStorage({ dataDir }: { dataDir: string }): Promise<RelayStorage> {
  const objects = createCachedObjectStore(await createFileObjectStore(dataDir));
  const meta = createSqliteMetaStore(join(dataDir, 'relay.db'));
  return { kind: 'sqlite', meta, objects };
}
