import type { Hex } from 'viem';
import { curveOrder, Point, vrfChallengeLength } from './constants.js';
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes, pointToBytes } from './encoding.js';
import { generateNonce, type NonceVariant } from './generateNonce.js';
import { hashPoints } from './hashPoints.js';
import { hashToCurve } from './hashToCurve.js';
import { parseSecretKey } from './parseKeys.js';
import { type BytesLike, toBytes } from './toBytes.js';

export type ProveErrorType =
  | import('./errors.js').VrfInvalidBytesError
  | import('./errors.js').VrfInvalidSecretKeyError
  | import('./errors.js').VrfHashToCurveError;

export type ProveOptions = {
  /** Nonce derivation; `draft` (default) matches VeChain go-ecvrf, `witnet` matches Witnet vrf-rs. */
  nonce?: NonceVariant | undefined;
};

/**
 * Makes the 81-byte ECVRF-SECP256K1-SHA256-TAI proof of `alpha` under `secretKey` (deterministic).
 *
 * @example
 * const proof = prove(secretKey, '0x73616d706c65'); // 0x…, 81 bytes
 * const beta = proofToHash(proof);
 */
export function prove(secretKey: BytesLike, alpha: BytesLike, options: ProveOptions = {}): Hex {
  const x = parseSecretKey(secretKey);
  const message = toBytes(alpha, 'alpha');
  const publicKey = Point.BASE.multiply(x);
  const h = hashToCurve(publicKey, message);
  const hString = pointToBytes(h);
  const gamma = h.multiply(x);
  const k = generateNonce(x, hString, options.nonce);
  const cBytes = hashPoints(h, gamma, Point.BASE.multiply(k), h.multiply(k));
  const c = bytesToBigInt(cBytes);
  const s = (k + c * x) % curveOrder;
  return bytesToHex(concatBytes(pointToBytes(gamma), bigIntToBytes(c, vrfChallengeLength), bigIntToBytes(s)));
}
