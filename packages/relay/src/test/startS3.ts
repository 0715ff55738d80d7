import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from '@verinet/cli/src/anvil/startAnvil.js';
import S3rver from 's3rver';

export type LocalS3 = {
  endpoint: string;
  /** TCP connections the server accepted so far (how a client reuses them). */
  connections: () => number;
  stop: () => Promise<void>;
};

/** A local S3 API (s3rver) on 127.0.0.1 with a temporary folder, for the official S3 client in tests. */
export async function startS3(): Promise<LocalS3> {
  const dir = mkdtempSync(join(tmpdir(), 'relay-s3-'));
  const port = await getFreePort();
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: dir });
  await server.run();
  let connections = 0;
  (server as unknown as { httpServer: import('node:http').Server }).httpServer.on('connection', () => {
    connections++;
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => connections,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
