import { sha256 } from '@noble/hashes/sha2.js';
import {
  fieldPrime,
  Point,
  vrfHashToCurveDomain,
  vrfMaxHashToCurveTries,
  vrfSuiteString,
} from './constants.js';
import { bigIntToBytes, bytesToBigInt, concatBytes, pointToBytes } from './encoding.js';
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
  return tryAndIncrement(pointToBytes(publicKey), alpha, liftEvenX);
}

/**
 * hashToCurve as the SEC1-compressed bytes of the point (`0x02 ‖ x`: its y is even), from the compressed public
 * key, with `isPoint` deciding whether a candidate lies on the curve (libsecp256k1's key parser: it spares the
 * square root noble computes in JavaScript for every candidate, ≈ 0.3 ms each). Public inputs only.
 */
export function hashToCurveBytes(
  publicKey: Uint8Array,
  alpha: Uint8Array,
  isPoint: (compressed: Uint8Array) => boolean,
): Uint8Array {
  return tryAndIncrement(publicKey, alpha, (x) => {
    if (x >= fieldPrime) return undefined;
    const compressed = concatBytes(Uint8Array.of(0x02), bigIntToBytes(x));
    return isPoint(compressed) ? compressed : undefined;
  });
}

/** Try-and-increment over `suite ‖ 0x01 ‖ publicKey ‖ alpha ‖ ctr`, each digest read as x and lifted by `lift`. */
function tryAndIncrement<T>(publicKey: Uint8Array, alpha: Uint8Array, lift: (x: bigint) => T | undefined): T {
  const prefix = concatBytes(Uint8Array.of(vrfSuiteString, vrfHashToCurveDomain), publicKey, alpha);
  const input = new Uint8Array(prefix.length + 1);
  input.set(prefix);
  for (let ctr = 0; ctr < vrfMaxHashToCurveTries; ctr++) {
    input[prefix.length] = ctr;
    const candidate = lift(bytesToBigInt(sha256(input)));
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
