import { curveOrder, fieldPrime, Point, vrfPublicKeyLength } from './constants.js';
import { bytesToBigInt, concatBytes } from './encoding.js';
import { VrfInvalidPublicKeyError, VrfInvalidSecretKeyError } from './errors.js';
import { type BytesLike, toBytes } from './toBytes.js';

/**
 * Reads a secret key (32 bytes) as the secret scalar x in [1, n).
 *
 * @example
 * const x = parseSecretKey('0x' + '01'.padStart(64, '0')); // 1n
 */
export function parseSecretKey(secretKey: BytesLike): bigint {
  const bytes = toBytes(secretKey, 'secretKey');
  if (bytes.length !== 32)
    throw new VrfInvalidSecretKeyError({ reason: `Expected 32 bytes, got ${bytes.length}.` });
  const x = bytesToBigInt(bytes);
  if (x === 0n || x >= curveOrder) throw new VrfInvalidSecretKeyError({ reason: 'The scalar is 0 or >= n.' });
  return x;
}

/**
 * Reads a public key given as 64 bytes (x ‖ y), 65 bytes (0x04 ‖ x ‖ y) or 33 bytes (compressed) and
 * checks that it is a point of secp256k1 other than the identity.
 *
 * @example
 * const Y = parsePublicKey(publicKey64);
 */
export function parsePublicKey(publicKey: BytesLike): Point {
  const bytes = toBytes(publicKey, 'publicKey');
  let sec1: Uint8Array;
  if (bytes.length === vrfPublicKeyLength) sec1 = concatBytes(Uint8Array.of(0x04), bytes);
  else if (bytes.length === 65 || bytes.length === 33) sec1 = bytes;
  else throw new VrfInvalidPublicKeyError({ reason: `Expected 64, 65 or 33 bytes, got ${bytes.length}.` });
  if (sec1.length === 65) {
    // noble would accept these too, but say precisely what is wrong with a key that is off the curve.
    const x = bytesToBigInt(sec1.subarray(1, 33));
    const y = bytesToBigInt(sec1.subarray(33));
    if (sec1[0] !== 0x04)
      throw new VrfInvalidPublicKeyError({ reason: 'A 65-byte key must start with 0x04.' });
    if (x >= fieldPrime || y >= fieldPrime) {
      throw new VrfInvalidPublicKeyError({ reason: 'A coordinate is not a field element (>= p).' });
    }
  }
  try {
    const point = Point.fromBytes(sec1);
    point.assertValidity();
    return point;
  } catch (cause) {
    throw new VrfInvalidPublicKeyError({ reason: `Not a point of secp256k1: ${(cause as Error).message}` });
  }
}
