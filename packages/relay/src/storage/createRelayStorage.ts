import type { RelayConfig } from '../config/relayConfig.js';
import { createSqliteStorage } from './sqlite/createSqliteStorage.js';
import type { RelayStorage } from './types.js';

/**
 * The storage the config asks for: SQLite + files (default) or PostgreSQL + S3.
 *
 * @example
 * const storage = await createRelayStorage(config);
 */
export async function createRelayStorage(config: RelayConfig): Promise<RelayStorage> {
  if (config.storage.kind === 'postgres') {
    const { createPostgresStorage } = await import('./postgres/createPostgresStorage.js');
    return createPostgresStorage({
      postgresUrl: config.storage.postgresUrl!,
      s3: {
        endpoint: config.storage.s3Endpoint,
        bucket: config.storage.s3Bucket,
        region: config.storage.s3Region,
        accessKeyId: config.storage.s3AccessKeyId,
        secretAccessKey: config.storage.s3SecretAccessKey,
        forcePathStyle: config.storage.s3ForcePathStyle,
      },
    });
  }
  return createSqliteStorage({ dataDir: config.storage.dataDir });
}
