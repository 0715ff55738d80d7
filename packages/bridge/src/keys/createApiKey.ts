import { randomBytes } from 'node:crypto';
import { hashApiKey } from './hashApiKey.js';

export type CreateApiKeyReturnType = {
  /** Public identifier (listing, revocation, logs). */
  id: string;
  /** The secret the client sends as `Authorization: Bearer …`; shown once, never stored. */
  key: string;
  /** sha256 of `key`, what the store keeps. */
  keyHash: string;
  /** The first characters of the key, to recognize it in a listing. */
  prefix: string;
};

/**
 * A new API key: 192 random bits (so an unsalted sha256 is a sound way to store it: there is nothing to
 * brute-force), with an id that is not secret.
 *
 * @example
 * const { id, key, keyHash } = createApiKey();
 */
export function createApiKey(): CreateApiKeyReturnType {
  const key = `vn_${randomBytes(24).toString('base64url')}`;
  return {
    id: `key_${randomBytes(6).toString('hex')}`,
    key,
    keyHash: hashApiKey(key),
    prefix: key.slice(0, 9),
  };
}
