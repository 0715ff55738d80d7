// A store process for the compaction crash test (relay.crash.test.ts): puts live records and refused uploads
// (dead records) into packs that seal after 40 ms, so that packs are compacted all the time; prints
// `ACK <key> <size>` once a put is acknowledged. Killed with SIGKILL by the test.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createFileObjectStore } from '../storage/createFileObjectStore.js';
import { getCompactTestBytes } from './getCompactTestBytes.js';

const dir = process.argv[2]!;
const store = await createFileObjectStore(dir, { maxPackAgeMs: 40 });
process.stdout.write('READY\n');
const chunked = (bytes: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) =>
      bytes.subarray(i * 65536, (i + 1) * 65536),
    ),
  );
for (;;) {
  const name = `results/0x${'cd'.repeat(32)}/${randomUUID()}`;
  const size = 20_000 + Math.floor(Math.random() * 180_000);
  const bytes = getCompactTestBytes(name, size);
  const refused = randomBytes(300_000 + Math.floor(Math.random() * 300_000));
  const [live] = await Promise.all([
    store.put(name, chunked(bytes), { maxBytes: 8 << 20, size, durable: false }),
    store
      .put(`results/0x${'cd'.repeat(32)}/${randomUUID()}`, chunked(refused), {
        maxBytes: 8 << 20,
        size: refused.length,
        expectedSha256: `0x${createHash('sha256').update(bytes).digest('hex')}`,
        durable: false,
      })
      .catch(() => undefined),
  ]);
  process.stdout.write(`ACK ${live.key} ${size}\n`);
}
