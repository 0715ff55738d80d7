import { encodePacked, type Hex, keccak256 } from 'viem';
import { assertBytes32 } from './assertBytes32.js';

/**
 * The commitment to a task's arguments, `keccak256(abi.encodePacked(bytes32 argsHash, bytes32 salt))`.
 * The relay checks uploads and the node checks downloads against it.
 *
 * @example
 * getArgsCommitment(getArgsHash(bytes), salt) // '0x…'
 */
export function getArgsCommitment(argsHash: Hex, salt: Hex): Hex {
  assertBytes32('argsHash', argsHash);
  assertBytes32('salt', salt);
  return keccak256(encodePacked(['bytes32', 'bytes32'], [argsHash, salt]));
}
