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
export function hashPoints(h: Point, gamma: Point, u: Point, v: Point): Uint8Array {
  const digest = sha256(
    concatBytes(
      Uint8Array.of(vrfSuiteString, vrfChallengeDomain),
      pointToBytes(h),
      pointToBytes(gamma),
      pointToBytes(u),
      pointToBytes(v),
    ),
  );
  return digest.slice(0, vrfChallengeLength);
}
