import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Hex } from 'viem';

/**
 * `resultHash = keccak256(score)`, as the contract folds it into a task's commitment and as the relay's
 * `ResultAvailable` statement names it.
 *
 * @example
 * getResultHash(new Uint8Array(8)) // '0x…'
 */
export function getResultHash(score: Uint8Array): Hex {
  return `0x${bytesToHex(keccak_256(score))}`;
}
