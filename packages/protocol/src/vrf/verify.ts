import type { Hex } from 'viem';
import { Point } from './constants.js';
import { decodeProof } from './decodeProof.js';
import { bytesToBigInt } from './encoding.js';
import { VrfInvalidProofError } from './errors.js';
import { hashPoints } from './hashPoints.js';
import { hashToCurve } from './hashToCurve.js';
import { parsePublicKey } from './parseKeys.js';
import { proofToHash } from './proofToHash.js';
import { type BytesLike, toBytes } from './toBytes.js';

export type VerifyErrorType =
  | import('./errors.js').VrfInvalidBytesError
  | import('./errors.js').VrfInvalidPublicKeyError
  | import('./errors.js').VrfInvalidProofLengthError
  | import('./errors.js').VrfMalformedProofError
  | import('./errors.js').VrfInvalidProofError
  | import('./errors.js').VrfHashToCurveError;

/**
 * Verifies an ECVRF-SECP256K1-SHA256-TAI proof and returns its output beta; throws a typed error
 * (see `VerifyErrorType`) when the proof is malformed or does not prove `alpha` under `publicKey`.
 *
 * @example
 * const beta = verify(publicKey, proof, '0x73616d706c65');
 */
export function verify(publicKey: BytesLike, proof: BytesLike, alpha: BytesLike): Hex {
  const y = parsePublicKey(publicKey);
  const { gamma, c, s } = decodeProof(proof);
  const h = hashToCurve(y, toBytes(alpha, 'alpha'));
  // U = s·B − c·Y and V = s·H − c·Gamma; either being the identity means the proof is not honest.
  // Everything here is public, so the faster variable-time multiplication is fine.
  const u = Point.BASE.multiplyUnsafe(s).subtract(y.multiplyUnsafe(c));
  const v = h.multiplyUnsafe(s).subtract(gamma.multiplyUnsafe(c));
  if (u.is0() || v.is0()) throw new VrfInvalidProofError();
  if (bytesToBigInt(hashPoints(h, gamma, u, v)) !== c) throw new VrfInvalidProofError();
  return proofToHash(proof);
}
