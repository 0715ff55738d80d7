import { sha256 } from '@noble/hashes/sha2.js';
import type { Hex } from 'viem';
import { vrfProofToHashDomain, vrfSuiteString } from './constants.js';
import { decodeProof } from './decodeProof.js';
import { bytesToHex, concatBytes, pointToBytes } from './encoding.js';
import type { BytesLike } from './toBytes.js';

export type ProofToHashErrorType =
  | import('./errors.js').VrfInvalidBytesError
  | import('./errors.js').VrfInvalidProofLengthError
  | import('./errors.js').VrfMalformedProofError;

/**
 * ECVRF_proof_to_hash: beta = SHA-256(suite ‖ 0x03 ‖ compress(Gamma)) (cofactor 1). Only meaningful for
 * a proof that verifies; use `verify` when the proof comes from someone else.
 *
 * @example
 * const beta = proofToHash(proof); // 0x…, 32 bytes
 */
export function proofToHash(proof: BytesLike): Hex {
  const { gamma } = decodeProof(proof);
  return bytesToHex(
    sha256(concatBytes(Uint8Array.of(vrfSuiteString, vrfProofToHashDomain), pointToBytes(gamma))),
  );
}
