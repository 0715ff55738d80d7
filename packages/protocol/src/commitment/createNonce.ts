import type { Hex } from 'viem';
import { createRandomBytes32 } from './createRandomBytes32.js';

/**
 * A fresh random nonce for one on-chain task; `taskIdCommitment = keccak256(guid ‖ nonce)`. Every member of a
 * validation group gets its own, so the members look unrelated on chain.
 *
 * @example
 * const nonce = createNonce();
 */
export function createNonce(): Hex {
  return createRandomBytes32();
}
