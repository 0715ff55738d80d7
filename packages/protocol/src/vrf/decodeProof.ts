import { curveOrder, Point, vrfChallengeLength, vrfGammaLength, vrfProofLength } from './constants.js';
import { bytesToBigInt } from './encoding.js';
import { VrfInvalidProofLengthError, VrfMalformedProofError } from './errors.js';
import { type BytesLike, toBytes } from './toBytes.js';

export type DecodedProof = { gamma: Point; c: bigint; s: bigint };

/**
 * ECVRF_decode_proof: splits an 81-byte proof into gamma, c and s and checks each. Gamma must be a
 * compressed point on the curve; s must be below n. c = 0 or s = 0 cannot come from an honest prover
 * except with probability about 2^-128, and the on-chain fast path cannot handle them, so both are
 * refused everywhere.
 *
 * @example
 * const { gamma, c, s } = decodeProof(proof);
 */
export function decodeProof(proof: BytesLike): DecodedProof {
  const bytes = toBytes(proof, 'proof');
  const { c, s } = checkProofScalars(bytes);
  let gamma: Point;
  try {
    gamma = Point.fromBytes(bytes.subarray(0, vrfGammaLength));
  } catch {
    throw notOnCurve();
  }
  return { gamma, c, s };
}

/**
 * The checks of `decodeProof` with Gamma checked by `isPoint` (e.g. libsecp256k1's key parser) instead of being
 * decompressed in JavaScript (a square root: ≈ 0.1 ms); answers Gamma's 33 compressed bytes, which a valid point
 * has in exactly one form (x below p, the prefix its y parity), the form `pointToBytes` gives after decoding.
 */
export function decodeProofGammaBytes(
  proof: BytesLike,
  isPoint: (compressed: Uint8Array) => boolean,
): Uint8Array {
  const bytes = toBytes(proof, 'proof');
  checkProofScalars(bytes);
  const gamma = bytes.subarray(0, vrfGammaLength);
  if (!isPoint(gamma)) throw notOnCurve();
  return gamma;
}

const notOnCurve = () =>
  new VrfMalformedProofError({ reason: 'Gamma is not the x coordinate of a secp256k1 point.' });

/** The length, Gamma's prefix, c and s of an encoded proof, checked (Gamma's point is checked by the caller). */
function checkProofScalars(bytes: Uint8Array): { c: bigint; s: bigint } {
  if (bytes.length !== vrfProofLength) throw new VrfInvalidProofLengthError({ length: bytes.length });
  const prefix = bytes[0];
  if (prefix !== 0x02 && prefix !== 0x03) {
    throw new VrfMalformedProofError({
      reason: `Gamma must start with 0x02 or 0x03, got 0x${prefix?.toString(16)}.`,
    });
  }
  const c = bytesToBigInt(bytes.subarray(vrfGammaLength, vrfGammaLength + vrfChallengeLength));
  const s = bytesToBigInt(bytes.subarray(vrfGammaLength + vrfChallengeLength));
  if (c === 0n) throw new VrfMalformedProofError({ reason: 'c is zero.' });
  if (s === 0n || s >= curveOrder) throw new VrfMalformedProofError({ reason: 's is zero or not below n.' });
  return { c, s };
}
