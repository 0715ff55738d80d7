import { Point } from './constants.js';
import { decodeProof } from './decodeProof.js';
import { hashToCurve } from './hashToCurve.js';
import { parsePublicKey } from './parseKeys.js';
import { type BytesLike, toBytes } from './toBytes.js';

export type FastVerifyParams = {
  /** U = s·B − c·Y, affine [x, y]. */
  uPoint: readonly [bigint, bigint];
  /** s·H and c·Gamma, affine: [sHx, sHy, cGammax, cGammay]. */
  vComponents: readonly [bigint, bigint, bigint, bigint];
};

export type GetFastVerifyParamsErrorType =
  | import('./errors.js').VrfInvalidBytesError
  | import('./errors.js').VrfInvalidPublicKeyError
  | import('./errors.js').VrfInvalidProofLengthError
  | import('./errors.js').VrfMalformedProofError
  | import('./errors.js').VrfHashToCurveError;

/**
 * The helper points `VRFVerifier.fastVerify` takes: the results of the scalar multiplications, which the
 * contract re-checks with `ecrecover` instead of computing. It does not check the proof itself.
 *
 * @example
 * const { uPoint, vComponents } = getFastVerifyParams(publicKey, proof, alpha);
 * await verifier.read.fastVerify([publicKey, proof, alpha, uPoint, vComponents]);
 */
export function getFastVerifyParams(
  publicKey: BytesLike,
  proof: BytesLike,
  alpha: BytesLike,
): FastVerifyParams {
  const y = parsePublicKey(publicKey);
  const { gamma, c, s } = decodeProof(proof);
  const h = hashToCurve(y, toBytes(alpha, 'alpha'));
  // Public inputs only: variable-time multiplication is fine.
  const u = affine(Point.BASE.multiplyUnsafe(s).subtract(y.multiplyUnsafe(c)));
  const sH = affine(h.multiplyUnsafe(s));
  const cGamma = affine(gamma.multiplyUnsafe(c));
  return { uPoint: [u.x, u.y], vComponents: [sH.x, sH.y, cGamma.x, cGamma.y] };
}

function affine(point: Point): { x: bigint; y: bigint } {
  // The identity has no affine form; the contract would reject any value given for it.
  if (point.is0()) return { x: 0n, y: 0n };
  return point.toAffine();
}
