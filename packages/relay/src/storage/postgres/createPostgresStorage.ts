import { createCachedObjectStore } from '../createCachedObjectStore.js';
import type { RelayStorage } from '../types.js';
import { createPostgresMetaStore } from './createPostgresMetaStore.js';
import { createS3ObjectStore, type S3Options } from './createS3ObjectStore.js';

/**
 * Scale-out storage: PostgreSQL metadata and an S3-compatible object store, shared by any number of relay
 * instances behind a load balancer (no state lives in an instance but caches).
 *
 * @example
 * const storage = await createPostgresStorage({ postgresUrl, s3: { endpoint, bucket: 'relay', region: 'us-east-1', forcePathStyle: true } });
 */
export async function createPostgresStorage(parameters: {
  postgresUrl: string;
  s3: S3Options;
}): Promise<RelayStorage> {
  const meta = await createPostgresMetaStore(parameters.postgresUrl);
  const objects = createCachedObjectStore(await createS3ObjectStore(parameters.s3));
  return { kind: 'postgres', meta, objects };
}
