import { curveOrder, Point } from './constants.js';
import { decodeProof } from './decodeProof.js';
import { hashToCurve } from './hashToCurve.js';
import { parsePublicKey } from './parseKeys.js';
import type { VrfCurve } from './prove.js';
import { type BytesLike, toBytes } from './toBytes.js';

export type FastVerifyParams = {
  /** U = s·B − c·Y, affine [x, y]. */
  uPoint: readonly [bigint, bigint];
  /** s·H and c·Gamma, affine: [sHx, sHy, cGammax, cGammay]. */
  vComponents: readonly [bigint, bigint, bigint, bigint];
};

export type GetFastVerifyParamsOptions = {
  /**
   * Where the four multiplications run (default: noble's variable-time JavaScript, a few milliseconds each).
   * Node.js apps pass `nativeVrfCurve` (`@verinet/protocol/nativeSecp256k1`), as for `prove`: same values.
   */
  curve?: VrfCurve | undefined;
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
  options: GetFastVerifyParamsOptions = {},
): FastVerifyParams {
  const y = parsePublicKey(publicKey);
  const { gamma, c, s } = decodeProof(proof);
  const h = hashToCurve(y, toBytes(alpha, 'alpha'));
  const multiply = getMultiply(options.curve);
  const u = affine(multiply(Point.BASE, s).subtract(multiply(y, c)));
  const sH = affine(multiply(h, s));
  const cGamma = affine(multiply(gamma, c));
  return { uPoint: [u.x, u.y], vComponents: [sH.x, sH.y, cGamma.x, cGamma.y] };
}

/**
 * scalar·point, in `curve` when given (its multiplications take a scalar in [1, n−1]; 0 and anything a
 * malformed proof carries beyond n go to noble, which answers them). Public inputs only: a variable-time
 * multiplication is fine, and so is a constant-time one.
 */
function getMultiply(curve: VrfCurve | undefined): (point: Point, scalar: bigint) => Point {
  return (point, scalar) => {
    if (!curve || scalar <= 0n || scalar >= curveOrder) return point.multiplyUnsafe(scalar);
    const bytes = point.equals(Point.BASE)
      ? curve.multiplyBase(scalar)
      : curve.multiply(point.toBytes(true), scalar);
    return Point.fromBytes(bytes);
  };
}

function affine(point: Point): { x: bigint; y: bigint } {
  // The identity has no affine form; the contract would reject any value given for it.
  if (point.is0()) return { x: 0n, y: 0n };
  return point.toAffine();
}
