import { portableLog, portableSinCos2Pi } from './portableMath.js';
import type { RandomStream } from './stream.js';

/**
 * Fills `out` with standard normal float32 values from `random` by Box-Muller: each pair of words
 * (w1, w2) gives r = sqrt(-2 ln U(w1)), then r cos(2π U(w2)) and r sin(2π U(w2)), with U(w) = (w + 0.5) / 2^32,
 * computed in double with portable log/sin/cos and rounded once to float32. An odd length drops the sine of
 * the last pair. Identical bits on every platform.
 *
 * @example
 * const noise = fillGaussian(createRandomStream({ seed: 1 }), new Float32Array(16));
 */
export function fillGaussian(random: RandomStream, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const radius = Math.sqrt(-2 * portableLog(random.nextOpenUnit()));
    const angle = random.nextOpenUnit();
    const [sin, cos] = portableSinCos2Pi(angle);
    out[i] = Math.fround(radius * cos);
    if (i + 1 < out.length) out[i + 1] = Math.fround(radius * sin);
  }
  return out;
}
