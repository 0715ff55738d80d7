import { createHash } from 'node:crypto';

/**
 * The stored form of an API key: sha256, hex.
 *
 * @example
 * hashApiKey('vn_…') // '3f1c…'
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
