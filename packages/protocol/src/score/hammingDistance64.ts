import { InvalidBlockLengthError } from './errors.js';

export type HammingDistance64Parameters = [a: Uint8Array, b: Uint8Array];
export type HammingDistance64ReturnType = number;

/**
 * Number of differing bits (0–64) between two 8-byte pHash blocks.
 *
 * @example
 * hammingDistance64(hexToBytes('0x8000000000000000'), hexToBytes('0x0000000000000001')); // 2
 */
export function hammingDistance64(a: Uint8Array, b: Uint8Array): HammingDistance64ReturnType {
  if (a.length !== 8 || b.length !== 8) throw new InvalidBlockLengthError(a.length, b.length);
  let distance = 0;
  for (let i = 0; i < 8; i++) distance += POPCOUNT[a[i]! ^ b[i]!]!;
  return distance;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, v) => {
  let bits = 0;
  for (let x = v; x !== 0; x &= x - 1) bits++;
  return bits;
});
