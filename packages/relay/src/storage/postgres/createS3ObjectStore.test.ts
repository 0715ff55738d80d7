import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Hex } from 'viem';
import { type LocalS3, startS3 } from '../../test/startS3.js';
import type { ObjectStore } from '../types.js';
import { createS3ObjectStore } from './createS3ObjectStore.js';

const sha256 = (bytes: Uint8Array) => `0x${createHash('sha256').update(bytes).digest('hex')}` as Hex;
const key = (i: number) =>
  `results/0x${'ab'.repeat(32)}/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('S3 object store connections (s3rver)', { timeout: 60_000 }, () => {
  let s3: LocalS3;
  let store: ObjectStore;
  before(async () => {
    s3 = await startS3();
    store = await createS3ObjectStore({
      endpoint: s3.endpoint,
      bucket: 'connections',
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    });
  });
  after(async () => {
    await store?.close();
    await s3?.stop();
  });

  it('sends each streamed PUT on a new connection (never a keep-alive one the store may be closing) and reuses connections for the rest', async () => {
    const body = new Uint8Array(64 * 1024).fill(7);
    const options = { maxBytes: 1 << 20, expectedSha256: sha256(body) };
    // Warm: the bucket check at creation opened the keep-alive connection the retryable calls share.
    assert.deepEqual(await store.getBytes(await putBuffered(0), 1 << 20), body);
    const start = s3.connections();
    for (const i of [1, 2, 3])
      assert.deepEqual(
        await store.put(key(i), Readable.from([Buffer.from(body)]), { ...options, size: body.length }),
        { size: body.length, sha256: sha256(body), key: key(i) },
      );
    assert.equal(s3.connections() - start, 3, 'one new connection per streamed PUT');
    const afterStreams = s3.connections();
    for (const i of [4, 5]) await putBuffered(i);
    for (const i of [1, 2, 3, 4, 5]) assert.deepEqual(await store.getBytes(key(i), 1 << 20), body);
    assert.equal(s3.connections(), afterStreams, 'buffered PUTs and reads reuse the keep-alive connection');

    async function putBuffered(i: number) {
      await store.put(key(i), Readable.from([Buffer.from(body)]), options);
      return key(i);
    }
  });
});
