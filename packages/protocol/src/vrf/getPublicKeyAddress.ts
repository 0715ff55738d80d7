import { type Address, getAddress, type Hex, keccak256 } from 'viem';
import { bytesToHex } from './encoding.js';
import { parsePublicKey } from './parseKeys.js';
import type { BytesLike } from './toBytes.js';

/**
 * The Ethereum address of a VRF public key: the last 20 bytes of keccak256(x ‖ y), checksummed. The
 * contracts compare it with the task creator to tie the VRF key to the account.
 *
 * @example
 * getPublicKeyAddress(getPublicKey(secretKey)); // same as privateKeyToAddress(secretKey)
 */
export function getPublicKeyAddress(publicKey: BytesLike): Address {
  const xy: Hex = bytesToHex(parsePublicKey(publicKey).toBytes(false).subarray(1));
  return getAddress(`0x${keccak256(xy).slice(-40)}`);
}
