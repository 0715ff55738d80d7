import { sha256 } from '@noble/hashes/sha2.js';
import { type Point, vrfChallengeDomain, vrfChallengeLength, vrfSuiteString } from './constants.js';
import { concatBytes, pointToBytes } from './encoding.js';

/**
 * ECVRF_hash_points: the challenge c, the first 16 bytes of
 * SHA-256(suite ‖ 0x02 ‖ compress(H) ‖ compress(Gamma) ‖ compress(U) ‖ compress(V)).
 *
 * @example
 * const c = hashPoints(H, gamma, U, V); // Uint8Array(16)
 */
export function hashPoints(
  h: Point | Uint8Array,
  gamma: Point | Uint8Array,
  u: Point | Uint8Array,
  v: Point | Uint8Array,
): Uint8Array {
  // A point given as bytes is already compressed (a prover whose curve answers in bytes: ProveOptions.curve).
  const encode = (point: Point | Uint8Array) => (point instanceof Uint8Array ? point : pointToBytes(point));
  const digest = sha256(
    concatBytes(
      Uint8Array.of(vrfSuiteString, vrfChallengeDomain),
      encode(h),
      encode(gamma),
      encode(u),
      encode(v),
    ),
  );
  return digest.slice(0, vrfChallengeLength);
}
