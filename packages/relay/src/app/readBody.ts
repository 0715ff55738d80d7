import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Hex } from 'viem';
import { RelayError } from '../errors/RelayError.js';

/**
 * Reads a small streamed body (arguments) into memory, refusing it as soon as it passes `maxBytes`, and checks
 * it against the signed sha256.
 */
/** The raw request stream of an upload route; any other parsed body means the wrong Content-Type. */
export function asUploadStream(body: unknown): Readable | undefined {
  if (body === undefined || body === null) return undefined;
  if (body instanceof Readable) return body;
  throw new RelayError(
    'UNSUPPORTED_MEDIA_TYPE',
    'Uploads are raw bytes: send Content-Type application/octet-stream.',
  );
}

export async function readBody(
  stream: Readable | undefined,
  maxBytes: number,
  declaredHash: Hex | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const hash = createHash('sha256');
  if (stream) {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        stream.destroy();
        throw new RelayError('BODY_TOO_LARGE', `The body is larger than ${maxBytes} bytes.`);
      }
      hash.update(chunk);
      chunks.push(chunk);
    }
  }
  const actual = `0x${hash.digest('hex')}`;
  if (declaredHash !== undefined && actual !== declaredHash)
    throw new RelayError(
      'BODY_HASH_MISMATCH',
      `The body hashes to ${actual}, the signature says ${declaredHash}.`,
    );
  return Buffer.concat(chunks, size);
}

/** Refuses an upload whose Content-Length is missing or above `maxBytes`, before reading it. */
export function checkContentLength(header: string | undefined, maxBytes: number): number {
  if (header === undefined) throw new RelayError('LENGTH_REQUIRED', 'Uploads need a Content-Length header.');
  const length = Number(header);
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RelayError('LENGTH_REQUIRED', `Content-Length ${JSON.stringify(header)} is not a byte count.`);
  if (length > maxBytes)
    throw new RelayError('BODY_TOO_LARGE', `The body (${length} bytes) is larger than ${maxBytes} bytes.`);
  return length;
}
