/** A seeded pseudo-random generator: uniform 32-bit integers, floats in [0, 1) and unbiased integers. */
export type Prng = {
  /** Next uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Next float in [0, 1) with 53 random bits. */
  nextFloat(): number;
  /** Uniform integer in [0, bound) without modulo bias; bound in [1, 2^32]. */
  nextInt(bound: number): number;
};

/**
 * Creates a xoshiro128** generator (Blackman and Vigna) seeded through splitmix32 (or from a raw 4-word
 * state), so that simulations and property tests are reproducible from one integer seed. Never use Math.random for protocol maths.
 *
 * @example
 * const prng = createPrng(42);
 * prng.nextInt(6) // same value on every run
 */
export function createPrng(seed: number | readonly [number, number, number, number]): Prng {
  let sm = typeof seed === 'number' ? seed >>> 0 : 0;
  // splitmix32 spreads a small seed over the 128-bit state and never yields the all-zero state in practice.
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  // A four-word seed is the raw state (for the reference test vectors); one integer goes through splitmix32.
  const state: [number, number, number, number] =
    typeof seed === 'number'
      ? [splitmix(), splitmix(), splitmix(), splitmix()]
      : [seed[0] >>> 0, seed[1] >>> 0, seed[2] >>> 0, seed[3] >>> 0];
  let [s0, s1, s2, s3] = state;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    s0 >>>= 0;
    s1 >>>= 0;
    s2 >>>= 0;
    return result;
  };

  return {
    nextUint32,
    nextFloat: () => {
      const high = nextUint32() >>> 5; // 27 bits
      const low = nextUint32() >>> 6; // 26 bits
      return (high * 67108864 + low) / 9007199254740992;
    },
    nextInt: (bound: number) => {
      if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) {
        throw new RangeError(`nextInt bound must be an integer in [1, 2^32], got ${bound}`);
      }
      // Reject the top partial block of 2^32 so every residue is equally likely.
      const limit = 2 ** 32 - (2 ** 32 % bound);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % bound;
      }
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
