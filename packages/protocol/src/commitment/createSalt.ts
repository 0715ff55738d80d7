import type { Hex } from 'viem';
import { createRandomBytes32 } from './createRandomBytes32.js';

/**
 * A fresh random salt for one on-chain task; `argsCommitment = keccak256(argsHash ‖ salt)`. It hides that
 * group members share arguments until the group is opened.
 *
 * @example
 * const salt = createSalt();
 */
export function createSalt(): Hex {
  return createRandomBytes32();
}
