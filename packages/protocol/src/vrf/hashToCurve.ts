import { sha256 } from '@noble/hashes/sha2.js';
import {
  fieldPrime,
  Point,
  vrfHashToCurveDomain,
  vrfMaxHashToCurveTries,
  vrfSuiteString,
} from './constants.js';
import { bytesToBigInt, concatBytes, pointToBytes } from './encoding.js';
import { VrfHashToCurveError } from './errors.js';

/**
 * ECVRF_hash_to_curve_try_and_increment: hashes `suite ‖ 0x01 ‖ compress(Y) ‖ alpha ‖ ctr` for
 * ctr = 0, 1, … and reads the digest as the x coordinate of a point with even y, until one lies on the
 * curve.
 *
 * @example
 * const H = hashToCurve(publicKeyPoint, new TextEncoder().encode('sample'));
 */
export function hashToCurve(publicKey: Point, alpha: Uint8Array): Point {
  const prefix = concatBytes(
    Uint8Array.of(vrfSuiteString, vrfHashToCurveDomain),
    pointToBytes(publicKey),
    alpha,
  );
  const input = new Uint8Array(prefix.length + 1);
  input.set(prefix);
  for (let ctr = 0; ctr < vrfMaxHashToCurveTries; ctr++) {
    input[prefix.length] = ctr;
    const candidate = liftEvenX(bytesToBigInt(sha256(input)));
    if (candidate) return candidate;
  }
  throw new VrfHashToCurveError();
}

/** The point with this x and an even y, or undefined if x is not a field element or not on the curve. */
function liftEvenX(x: bigint): Point | undefined {
  if (x >= fieldPrime) return undefined;
  const Fp = Point.Fp;
  const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 7n);
  let y: bigint;
  try {
    y = Fp.sqrt(rhs);
  } catch {
    return undefined;
  }
  if (Fp.sqr(y) !== rhs) return undefined;
  if (y & 1n) y = Fp.neg(y);
  return Point.fromAffine({ x, y });
}
