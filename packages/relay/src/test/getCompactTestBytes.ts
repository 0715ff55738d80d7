import { createHash } from 'node:crypto';

/**
 * The bytes the compaction crash test stores under `name`: its sha256 repeated to `size` bytes, so that the
 * checker knows them from the key alone and a record read from the wrong place does not match.
 *
 * @example
 * const bytes = getCompactTestBytes('results/0x…/…', 100_000);
 */
export function getCompactTestBytes(name: string, size: number): Buffer {
  const digest = createHash('sha256').update(name).digest();
  const bytes = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += digest.length)
    digest.copy(bytes, at, 0, Math.min(digest.length, size - at));
  return bytes;
}
