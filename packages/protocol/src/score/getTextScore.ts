import { sha256 } from '@noble/hashes/sha2.js';

export type GetTextScoreParameters = Uint8Array;
export type GetTextScoreReturnType = Uint8Array;

/**
 * Score of a text result (LLM chat JSON): sha256 of the exact result bytes, 32 bytes. Text scores match
 * only when equal, so any byte difference (even whitespace) is a mismatch.
 *
 * @example
 * const score = getTextScore(new TextEncoder().encode(resultJson));
 */
export function getTextScore(bytes: GetTextScoreParameters): GetTextScoreReturnType {
  return sha256(bytes);
}
