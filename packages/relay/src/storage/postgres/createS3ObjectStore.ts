import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Hex } from 'viem';
import { getHashMismatch, ObjectMissingError, ObjectPutError, type ObjectStore } from '../types.js';

export type S3Options = {
  endpoint?: string | undefined;
  bucket: string;
  region: string;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle: boolean;
};

/** S3's NoSuchKey as an ObjectMissingError; other errors unchanged. */
function missing(key: string) {
  return (error: unknown): never => {
    throw (error as { name?: string }).name === 'NoSuchKey'
      ? new ObjectMissingError(`object ${key} is not in the bucket`)
      : error;
  };
}

/**
 * Objects in an S3-compatible store. A PUT is atomic (the object appears whole or not at all); the body is
 * streamed through a hashing, size-limiting transform, and an object whose hash turns out wrong is deleted
 * before the error is returned (its key is fresh and referenced by no row).
 *
 * @example
 * const objects = await createS3ObjectStore({ endpoint: 'http://127.0.0.1:4568', bucket: 'relay', region: 'us-east-1', forcePathStyle: true });
 */
export async function createS3ObjectStore(options: S3Options): Promise<ObjectStore> {
  const config = {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle,
    ...(options.accessKeyId && options.secretAccessKey
      ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
      : {}),
    // Plain PUTs with Content-Length: the relay hashes (sha256) the body itself, and S3-compatible stores
    // differ in their support of the SDK's default streaming checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
  // Keep-alive connections for every call the SDK can retry (a body held in memory, reads, deletes, lists).
  const client = new S3Client(config);
  // Streamed PUTs on connections of their own: the SDK cannot retry a streamed body, and a reused keep-alive
  // connection may be the one the store is closing at that moment (its idle timeout; s3rver's is 5 s), which
  // failed a streamed PUT with "socket hang up" (a 500 for the node) for 8 of 600 uploads under 200 at once in
  // bench:relay; 0 of 900 with a fresh connection each. The cost is one connection set-up per result file.
  const streamClient = new S3Client({
    ...config,
    requestHandler: { httpAgent: { keepAlive: false }, httpsAgent: { keepAlive: false } },
  });
  const Bucket = options.bucket;
  try {
    await client.send(new HeadBucketCommand({ Bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket }));
  }

  return {
    async put(key, body, { maxBytes, expectedSha256, size }) {
      const hash = createHash('sha256');
      let written = 0;
      let failure: ObjectPutError | undefined;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          written += chunk.length;
          if (written > maxBytes) {
            failure = new ObjectPutError('too_large', `larger than ${maxBytes} bytes`);
            callback(failure);
            return;
          }
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      if (size === undefined) {
        // Small bodies without a declared length (arguments): read into memory, bounded, checked, then sent as
        // a buffer, which the SDK retries on a dropped connection.
        const chunks: Buffer[] = [];
        let total = 0;
        for await (const chunk of body as AsyncIterable<Buffer>) {
          total += chunk.length;
          if (total > maxBytes) throw new ObjectPutError('too_large', `larger than ${maxBytes} bytes`);
          chunks.push(chunk);
        }
        const all = Buffer.concat(chunks, total);
        const sha256 = `0x${createHash('sha256').update(all).digest('hex')}` as Hex;
        const mismatch = getHashMismatch(sha256, expectedSha256);
        if (mismatch) throw mismatch;
        await client.send(new PutObjectCommand({ Bucket, Key: key, Body: all, ContentLength: total }));
        return { size: total, sha256, key };
      }
      const source: Readable = body;
      const length = size;
      if (length > maxBytes) throw new ObjectPutError('too_large', `larger than ${maxBytes} bytes`);
      let sourceEnded = false;
      source.once('end', () => {
        sourceEnded = true;
      });
      source.on('error', (error) => meter.destroy(error));
      source.pipe(meter);
      try {
        await streamClient.send(
          new PutObjectCommand({ Bucket, Key: key, Body: meter, ContentLength: length }),
        );
      } catch (error) {
        await client.send(new DeleteObjectCommand({ Bucket, Key: key })).catch(() => {});
        if (failure) throw failure;
        // A short body only when the client's body really ended early; a PUT that failed while the body was
        // still coming is the store's failure (a 500, retryable), not the client's.
        if (sourceEnded && written !== length)
          throw new ObjectPutError(
            'length_mismatch',
            `received ${written} bytes, Content-Length said ${length}`,
          );
        throw error;
      }
      const sha256 = `0x${hash.digest('hex')}` as Hex;
      const problem =
        written !== length
          ? new ObjectPutError('length_mismatch', `received ${written} bytes, Content-Length said ${length}`)
          : getHashMismatch(sha256, expectedSha256);
      if (problem) {
        await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
        throw problem;
      }
      return { size: written, sha256, key };
    },
    async sync() {
      // A PutObject is durable once it returned (the store's own promise): nothing to flush.
    },
    async get(key) {
      const response = await client.send(new GetObjectCommand({ Bucket, Key: key })).catch(missing(key));
      return response.Body as Readable;
    },
    async getBytes(key, maxBytes) {
      const response = await client.send(new GetObjectCommand({ Bucket, Key: key })).catch(missing(key));
      if ((response.ContentLength ?? 0) > maxBytes)
        throw new ObjectPutError('too_large', `object ${key} is above ${maxBytes} bytes`);
      return new Uint8Array(await response.Body!.transformToByteArray());
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    async listOlderThan(olderThanMs, limit, after) {
      const cutoff = Date.now() - olderThanMs;
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket,
            ContinuationToken: token,
            MaxKeys: 1000,
            ...(after && !token ? { StartAfter: after } : {}),
          }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key && object.LastModified && object.LastModified.getTime() < cutoff)
            keys.push(object.Key);
          if (keys.length >= limit) return keys;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    async ping() {
      await client.send(new HeadBucketCommand({ Bucket }));
    },
    async close() {
      client.destroy();
      streamClient.destroy();
    },
  };
}
