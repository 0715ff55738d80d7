/**
 * Logarithm and sine/cosine written with + - * / only. IEEE 754 makes those four operations exact-rounded,
 * and JavaScript never fuses them, so these functions return the same bits on every engine and CPU, which
 * `Math.log`/`Math.sin` (implementation-approximated in the spec) do not promise. Accuracy is a few ulp in
 * double, far below the float32 rounding applied to the noise afterwards.
 */

const scratch = new DataView(new ArrayBuffer(8));
const ln2High = 0x162e42fee / 2 ** 33; // upper 33 bits of ln 2: exact times any exponent here
const ln2Low = 1.9082149292705877e-10; // ln 2 - ln2High
const halfPi = Math.PI / 2;

/** Natural logarithm of a positive finite normal double. */
export function portableLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x))
    throw new RangeError(`portableLog needs a positive finite number, got ${x}`);
  scratch.setFloat64(0, x);
  const high = scratch.getUint32(0);
  let exponent = ((high >>> 20) & 0x7ff) - 1023;
  if (exponent === -1023) throw new RangeError('portableLog does not take subnormal numbers');
  scratch.setUint32(0, (high & 0x000fffff) | 0x3ff00000);
  let mantissa = scratch.getFloat64(0); // in [1, 2)
  if (mantissa > Math.SQRT2) {
    mantissa /= 2;
    exponent += 1;
  }
  // log(m) = 2 atanh(s) with s = (m - 1) / (m + 1), |s| <= 0.1716; the series is summed to s^25.
  const s = (mantissa - 1) / (mantissa + 1);
  const s2 = s * s;
  let series = 1 / 25;
  for (let k = 23; k >= 1; k -= 2) series = 1 / k + s2 * series;
  return exponent * ln2High + (2 * s * series + exponent * ln2Low);
}

function sinSeries(t: number): number {
  const t2 = t * t;
  let acc = 1;
  // t - t^3/3! + ... as nested products, to t^25 (error < 1e-20 on [0, pi/2)).
  for (let k = 24; k >= 2; k -= 2) acc = 1 - (t2 / (k * (k + 1))) * acc;
  return t * acc;
}

function cosSeries(t: number): number {
  const t2 = t * t;
  let acc = 1;
  for (let k = 24; k >= 2; k -= 2) acc = 1 - (t2 / ((k - 1) * k)) * acc;
  return acc;
}

/** `[sin(2πu), cos(2πu)]` for u in [0, 1). */
export function portableSinCos2Pi(u: number): [number, number] {
  if (!(u >= 0 && u < 1)) throw new RangeError(`portableSinCos2Pi needs u in [0, 1), got ${u}`);
  const quadrant = Math.floor(u * 4);
  const t = (u - quadrant / 4) * 4 * halfPi; // u - q/4 is exact (Sterbenz), t in [0, pi/2)
  const s = sinSeries(t);
  const c = cosSeries(t);
  switch (quadrant) {
    case 0:
      return [s, c];
    case 1:
      return [c, -s];
    case 2:
      return [-s, -c];
    default:
      return [-c, s];
  }
}
