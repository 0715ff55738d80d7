import { type PhiloxKey, philox4x32 } from './philox.js';

/**
 * A sequential reader over one Philox stream. Block b of stream s under a 64-bit seed is
 * `philox4x32([b mod 2^32, floor(b / 2^32), s, 0], [seed mod 2^32, floor(seed / 2^32)])`; words are read in
 * order, four per block. Distinct (seed, stream) pairs never share a block.
 */
export type RandomStream = {
  /** The next uint32 word. */
  nextUint32(): number;
  /** A double uniform in the open interval (0, 1): (w + 0.5) / 2^32, exact. */
  nextOpenUnit(): number;
  /** A float32 uniform in [-1, 1): w / 2^31 - 1, exact. */
  nextSignedUnit(): number;
};

export type CreateRandomStreamParameters = {
  /** Integer seed in [0, 2^53). */
  seed: number;
  /** Stream number in [0, 2^32): separate purposes (latent noise, ancestral noise, weights) use separate streams. */
  stream?: number | undefined;
};

/**
 * Creates a seeded, portable stream of random words (Philox4x32-10); never uses Math.random.
 *
 * @example
 * const rng = createRandomStream({ seed: 42, stream: 0 });
 * rng.nextUint32();
 */
export function createRandomStream({ seed, stream = 0 }: CreateRandomStreamParameters): RandomStream {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`seed must be an integer in [0, 2^53), got ${seed}`);
  if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff)
    throw new RangeError(`stream must be an integer in [0, 2^32), got ${stream}`);
  const key: PhiloxKey = [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
  let block = 0;
  let words: Uint32Array = new Uint32Array(0);
  let position = 4;
  const nextUint32 = (): number => {
    if (position === 4) {
      words = philox4x32([block % 2 ** 32, Math.floor(block / 2 ** 32), stream, 0], key);
      block += 1;
      position = 0;
    }
    return words[position++]!;
  };
  return {
    nextUint32,
    nextOpenUnit: () => (nextUint32() + 0.5) / 2 ** 32,
    nextSignedUnit: () => nextUint32() / 2 ** 31 - 1,
  };
}
