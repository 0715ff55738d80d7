import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Hex } from 'viem';

/** sha256 of the empty body: what GET requests sign. */
export const EMPTY_BODY_HASH: Hex = '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * The `bodyHash` a request signs: sha256 of the exact body bytes (sha256, not keccak, so that the relay can
 * hash multi-megabyte uploads at disk speed while it streams them).
 *
 * @example
 * hashRelayBody(new Uint8Array()) === EMPTY_BODY_HASH
 */
export function hashRelayBody(body: Uint8Array): Hex {
  return `0x${bytesToHex(sha256(body))}`;
}
