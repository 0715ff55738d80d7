import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from '@verinet/cli/src/anvil/startAnvil.js';
import S3rver from 's3rver';

export type LocalS3 = { endpoint: string; stop: () => Promise<void> };

/** A local S3 API (s3rver) on 127.0.0.1 with a temporary folder, for the official S3 client in tests. */
export async function startS3(): Promise<LocalS3> {
  const dir = mkdtempSync(join(tmpdir(), 'relay-s3-'));
  const port = await getFreePort();
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: dir });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
