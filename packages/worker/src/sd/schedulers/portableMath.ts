import { portableLog, portableSinCos2Pi } from '../../random/index.js';

/**
 * exp, pow and cos written with + − × ÷ only (on top of the random module's portable logarithm), for the
 * scheduler constants diffusers computes with numpy's exp/log/pow/cos: Karras, exponential and Lu sigma
 * spacings, the cosine beta schedule and the log-σ timestep interpolation. `Math.exp`/`Math.pow`/`Math.cos`
 * are implementation-approximated in ECMAScript and may differ in the last bit between engines, which would
 * change latents on some nodes only.
 */

const ln2High = 0x162e42fee / 2 ** 33;
const ln2Low = 1.9082149292705877e-10;
const scratch = new DataView(new ArrayBuffer(8));

/** 2^k for an integer k in [−1022, 1023], built from its bits. */
function powerOfTwo(k: number): number {
  scratch.setUint32(0, (k + 1023) << 20);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

/** e^x, a few ulp from the correctly rounded value. */
export function portableExp(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x > 709.78) return Number.POSITIVE_INFINITY;
  if (x < -745.2) return 0;
  const k = Math.round(x / Math.LN2);
  // k · ln2High is exact (33 significant bits times |k| < 2^11), so r = x − k ln 2 keeps its precision.
  const r = x - k * ln2High - k * ln2Low;
  let sum = 1;
  for (let i = 20; i >= 1; i--) sum = 1 + (r / i) * sum;
  if (k < -1000) return sum * powerOfTwo(k + 1000) * powerOfTwo(-1000);
  if (k > 1000) return sum * powerOfTwo(k - 1000) * powerOfTwo(1000);
  return sum * powerOfTwo(k);
}

/** x^y for x > 0 as e^{y log x}. */
export function portablePow(x: number, y: number): number {
  return portableExp(y * portableLog(x));
}

/** cos(x · π / 2) for x in [0, 2). */
export function portableCosHalfPi(x: number): number {
  return portableSinCos2Pi(x / 4)[1];
}

export { portableLog };
