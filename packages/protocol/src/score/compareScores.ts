import { InvalidThresholdError } from './errors.js';
import { hammingDistance64 } from './hammingDistance64.js';

/** A text score is one sha256 digest. */
const TEXT_SCORE_BYTES = 32;

export type CompareScoresOptions = { kind: 'image'; threshold: number } | { kind: 'text' };
export type CompareScoresParameters = [a: Uint8Array, b: Uint8Array, options: CompareScoresOptions];
export type CompareScoresReturnType = {
  match: boolean;
  /** Hamming distance per 64-bit block for image scores; empty for text or when the shapes differ. */
  distances: number[];
};

/**
 * Compares two result scores with the on-chain rule. Image scores match when they have the same,
 * non-zero number of 8-byte blocks and every block pair is within `threshold` differing bits; text
 * scores match only when both are 32-byte sha256 digests and equal (GroupOutcome.scoresMatch on chain). Malformed scores (different lengths, a length that is not a whole
 * number of blocks, empty) never match: a node cannot win by submitting garbage.
 *
 * @example
 * compareScores(a, b, { kind: 'image', threshold: 10 }); // { match: true, distances: [3, 0] }
 */
export function compareScores(
  a: Uint8Array,
  b: Uint8Array,
  options: CompareScoresOptions,
): CompareScoresReturnType {
  if (options.kind === 'text') {
    const wellFormed = a.length === TEXT_SCORE_BYTES && b.length === TEXT_SCORE_BYTES;
    return { match: wellFormed && a.every((byte, i) => byte === b[i]), distances: [] };
  }
  const { threshold } = options;
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 64)
    throw new InvalidThresholdError(threshold);
  if (a.length !== b.length || a.length === 0 || a.length % 8 !== 0) return { match: false, distances: [] };
  const distances: number[] = [];
  for (let offset = 0; offset < a.length; offset += 8) {
    distances.push(hammingDistance64(a.subarray(offset, offset + 8), b.subarray(offset, offset + 8)));
  }
  return { match: distances.every((d) => d <= threshold), distances };
}
