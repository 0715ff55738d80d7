export type GetLowFrequencyDctParameters = {
  /** Row-major square image, `size * size` samples. */
  pixels: ArrayLike<number>;
  /** Side of the input square; a power of two (imagehash uses 32). */
  size: number;
  /** Side of the top-left block of coefficients to return (imagehash uses 8). */
  keep: number;
};
export type GetLowFrequencyDctReturnType = Float64Array;

/**
 * Top-left `keep × keep` coefficients of the unnormalised 2-D DCT-II, the way imagehash computes them:
 * `scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)`, i.e. `X[k] = 2 Σ x[n] cos(πk(2n+1)/2N)`
 * over columns, then over rows. Result is row-major: index `k * keep + l` holds vertical frequency k,
 * horizontal frequency l.
 *
 * The 1-D transform splits each length into sum and difference halves (even outputs are the DCT of the
 * sums at half length, odd outputs are cosine sums over the differences), with the cosines tabulated once.
 * Besides being fast, that split makes every coefficient that symmetry forces to zero (flat, mirrored or
 * periodic content) come out as an exact 0, as scipy's FFT-based DCT does; a direct cosine sum would leave
 * rounding noise there, and pHash bits compare against a median that is often one of those zeros.
 *
 * @example
 * const low = getLowFrequencyDct({ pixels: small.data, size: 32, keep: 8 });
 */
export function getLowFrequencyDct({
  pixels,
  size,
  keep,
}: GetLowFrequencyDctParameters): GetLowFrequencyDctReturnType {
  const column = new Float64Array(size);
  const partial = new Float64Array(keep * size);
  const out = new Float64Array(keep);
  for (let x = 0; x < size; x++) {
    for (let y = 0; y < size; y++) column[y] = pixels[y * size + x]!;
    dctII(column, size, keep, out);
    for (let k = 0; k < keep; k++) partial[k * size + x] = out[k]!;
  }
  const result = new Float64Array(keep * keep);
  for (let k = 0; k < keep; k++) {
    dctII(partial.subarray(k * size, (k + 1) * size), size, keep, out);
    for (let l = 0; l < keep; l++) result[k * keep + l] = out[l]!;
  }
  return result;
}

/** Writes the first `count` outputs of the length-`n` DCT-II of `input` into `out`. */
function dctII(input: Float64Array, n: number, count: number, out: Float64Array): void {
  if (n === 1) {
    out[0] = 2 * input[0]!;
    return;
  }
  const half = n >> 1;
  const sums = new Float64Array(half);
  const differences = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    sums[i] = input[i]! + input[n - 1 - i]!;
    differences[i] = input[i]! - input[n - 1 - i]!;
  }
  const evenCount = (count + 1) >> 1;
  const even = new Float64Array(evenCount);
  dctII(sums, half, evenCount, even);
  for (let m = 0; m < evenCount; m++) out[2 * m] = even[m]!;
  const table = getOddTable(n);
  for (let m = 0; 2 * m + 1 < count; m++) {
    let sum = 0;
    const row = m * half;
    for (let i = 0; i < half; i++) sum += differences[i]! * table[row + i]!;
    out[2 * m + 1] = 2 * sum;
  }
}

const oddTables = new Map<number, Float64Array>();

/** cos(π(2m+1)(2i+1) / 2n) for m, i < n/2, row-major by m. */
function getOddTable(n: number): Float64Array {
  let table = oddTables.get(n);
  if (!table) {
    const half = n >> 1;
    table = new Float64Array(half * half);
    for (let m = 0; m < half; m++)
      for (let i = 0; i < half; i++)
        table[m * half + i] = Math.cos((Math.PI * (2 * m + 1) * (2 * i + 1)) / (2 * n));
    oddTables.set(n, table);
  }
  return table;
}
