import { sha256 } from '@noble/hashes/sha2.js';
import type { Hex } from 'viem';
import { vrfProofToHashDomain, vrfSuiteString } from './constants.js';
import { decodeProof, decodeProofGammaBytes } from './decodeProof.js';
import { bytesToHex, concatBytes, pointToBytes } from './encoding.js';
import type { VrfCurve } from './prove.js';
import type { BytesLike } from './toBytes.js';

export type ProofToHashErrorType =
  | import('./errors.js').VrfInvalidBytesError
  | import('./errors.js').VrfInvalidProofLengthError
  | import('./errors.js').VrfMalformedProofError;

/**
 * ECVRF_proof_to_hash: beta = SHA-256(suite ‖ 0x03 ‖ compress(Gamma)) (cofactor 1). Only meaningful for
 * a proof that verifies; use `verify` when the proof comes from someone else. With `curve` (its `isPoint`),
 * Gamma is checked by it instead of being decompressed in JavaScript: the same hash, ≈ 0.13 ms less.
 *
 * @example
 * const beta = proofToHash(proof); // 0x…, 32 bytes
 */
export function proofToHash(proof: BytesLike, options: { curve?: VrfCurve | undefined } = {}): Hex {
  const isPoint = options.curve?.isPoint;
  // With a curve that checks points, Gamma's bytes are hashed as they are (no decompression): the same bytes.
  const gamma = isPoint ? decodeProofGammaBytes(proof, isPoint) : pointToBytes(decodeProof(proof).gamma);
  return bytesToHex(sha256(concatBytes(Uint8Array.of(vrfSuiteString, vrfProofToHashDomain), gamma)));
}
