/**
 * Philox4x32 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a counter-based
 * generator. The output for a (counter, key) pair is a pure function, so any node on any platform can
 * jump straight to block n of a stream. Only 32-bit integer operations and exact double arithmetic are
 * used, so the words are identical everywhere JavaScript runs.
 */

const multiplier0 = 0xd2511f53;
const multiplier1 = 0xcd9e8d57;
const weyl0 = 0x9e3779b9;
const weyl1 = 0xbb67ae85;

/** Four 32-bit counter words. */
export type PhiloxCounter = readonly [number, number, number, number];
/** Two 32-bit key words. */
export type PhiloxKey = readonly [number, number];

/** High 32 bits of the 64-bit product of two uint32 values, computed exactly in doubles. */
function mulHigh32(a: number, b: number): number {
  const aHigh = a >>> 16;
  const aLow = a & 0xffff;
  const bHigh = b >>> 16;
  const bLow = b & 0xffff;
  // Every partial product is < 2^32 and every sum below stays < 2^53, so nothing is rounded.
  const middle = aHigh * bLow + aLow * bHigh + ((aLow * bLow) >>> 16);
  return (aHigh * bHigh + Math.floor(middle / 65536)) >>> 0;
}

/**
 * One Philox4x32 block: four uint32 words for `counter` under `key` (10 rounds unless told).
 *
 * @example
 * philox4x32([0, 0, 0, 0], [0, 0]); // Uint32Array [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
 */
export function philox4x32(counter: PhiloxCounter, key: PhiloxKey, rounds = 10): Uint32Array {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < rounds; round++) {
    if (round > 0) {
      k0 = (k0 + weyl0) >>> 0;
      k1 = (k1 + weyl1) >>> 0;
    }
    const high0 = mulHigh32(multiplier0, c0);
    const low0 = Math.imul(multiplier0, c0) >>> 0;
    const high1 = mulHigh32(multiplier1, c2);
    const low1 = Math.imul(multiplier1, c2) >>> 0;
    c0 = (high1 ^ c1 ^ k0) >>> 0;
    c1 = low1;
    c2 = (high0 ^ c3 ^ k1) >>> 0;
    c3 = low0;
  }
  return Uint32Array.of(c0, c1, c2, c3);
}
