/**
 * The bench's local S3 API (s3rver, as the tests use) in a process of its own: inside the bench process it would
 * share an event loop with the HTTP client, the baselines and the request signing, and stall under 200
 * concurrent uploads as no real object store would. Sends `{ type: 'listening', endpoint }` over IPC; stops on
 * `{ type: 'stop' }` or when the bench goes away.
 */
import { startS3 } from '../test/startS3.js';

const s3 = await startS3();
const stop = async () => {
  await s3.stop();
  process.exit(0);
};
process.on('message', (message: { type?: string }) => {
  if (message.type === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.send?.({ type: 'listening', endpoint: s3.endpoint });
