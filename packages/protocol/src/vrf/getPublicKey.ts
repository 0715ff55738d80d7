import type { Hex } from 'viem';
import { Point } from './constants.js';
import { bytesToHex } from './encoding.js';
import { parseSecretKey } from './parseKeys.js';
import type { BytesLike } from './toBytes.js';

/**
 * The 64-byte public key (x ‖ y, no 0x04 prefix) of a secret key, the form the contracts take.
 *
 * @example
 * getPublicKey('0x' + '00'.repeat(31) + '01'); // 0x79be667e…483ada77…
 */
export function getPublicKey(secretKey: BytesLike): Hex {
  const point = Point.BASE.multiply(parseSecretKey(secretKey));
  return bytesToHex(point.toBytes(false).subarray(1));
}
