import { encodePacked, type Hex, keccak256 } from 'viem';
import { assertBytes32 } from './assertBytes32.js';

/**
 * The on-chain identity of a task, `keccak256(abi.encodePacked(bytes32 guid, bytes32 nonce))`.
 *
 * @example
 * getTaskIdCommitment(guid, nonce) // '0x…'
 */
export function getTaskIdCommitment(guid: Hex, nonce: Hex): Hex {
  assertBytes32('guid', guid);
  assertBytes32('nonce', nonce);
  return keccak256(encodePacked(['bytes32', 'bytes32'], [guid, nonce]));
}
