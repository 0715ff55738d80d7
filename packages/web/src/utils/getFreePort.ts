import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (for children that need a fixed port, such as Ponder). */
export async function getFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
