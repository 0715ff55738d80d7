import type { Hex } from 'viem';
import { curveOrder, Point, vrfChallengeLength } from './constants.js';
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes, pointToBytes } from './encoding.js';
import { generateNonce, type NonceVariant } from './generateNonce.js';
import { hashPoints } from './hashPoints.js';
import { hashToCurve, hashToCurveBytes } from './hashToCurve.js';
import { parseSecretKey } from './parseKeys.js';
import { type BytesLike, toBytes } from './toBytes.js';

export type ProveErrorType =
  | import('./errors.js').VrfInvalidBytesError
  | import('./errors.js').VrfInvalidSecretKeyError
  | import('./errors.js').VrfHashToCurveError;

/**
 * The secret-scalar multiplications of a proof, on SEC1-compressed points (33 bytes in, 33 out). Must be
 * constant-time in the scalar: it is the app's VRF key, or the nonce that would reveal it.
 */
export type VrfCurve = {
  /** scalar·G. */
  multiplyBase: (scalar: bigint) => Uint8Array;
  /** scalar·P. */
  multiply: (point: Uint8Array, scalar: bigint) => Uint8Array;
  /**
   * Whether 33 bytes are a compressed point of the curve (public data: need not be constant-time). Optional:
   * with it, hash-to-curve needs no square root in JavaScript, nor the public key its decompression.
   */
  isPoint?: ((compressed: Uint8Array) => boolean) | undefined;
};

export type ProveOptions = {
  /** Nonce derivation; `draft` (default) matches VeChain go-ecvrf, `witnet` matches Witnet vrf-rs. */
  nonce?: NonceVariant | undefined;
  /**
   * Where the four scalar multiplications run (default: noble's constant-time JavaScript, about 85 % of a
   * proof's time). Node.js services can pass `nativeVrfCurve` (`@verinet/protocol/nativeSecp256k1`): same proof.
   */
  curve?: VrfCurve | undefined;
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
  const { curve } = options;
  if (curve) return proveOn(curve, x, message, options.nonce);
  const h = hashToCurve(Point.BASE.multiply(x), message);
  const hString = pointToBytes(h);
  const gamma = pointToBytes(h.multiply(x));
  const k = generateNonce(x, hString, options.nonce);
  const c = bytesToBigInt(hashPoints(hString, gamma, Point.BASE.multiply(k), h.multiply(k)));
  const s = (k + c * x) % curveOrder;
  return bytesToHex(concatBytes(gamma, bigIntToBytes(c, vrfChallengeLength), bigIntToBytes(s)));
}

/** `prove` with the scalar multiplications (and, with `isPoint`, the curve checks) in `curve`: the same bytes. */
function proveOn(curve: VrfCurve, x: bigint, message: Uint8Array, nonce: NonceVariant | undefined): Hex {
  const publicKey = curve.multiplyBase(x);
  const hString = curve.isPoint
    ? hashToCurveBytes(publicKey, message, curve.isPoint)
    : pointToBytes(hashToCurve(Point.fromBytes(publicKey), message));
  const gamma = curve.multiply(hString, x);
  const k = generateNonce(x, hString, nonce);
  const c = bytesToBigInt(hashPoints(hString, gamma, curve.multiplyBase(k), curve.multiply(hString, k)));
  const s = (k + c * x) % curveOrder;
  return bytesToHex(concatBytes(gamma, bigIntToBytes(c, vrfChallengeLength), bigIntToBytes(s)));
}
