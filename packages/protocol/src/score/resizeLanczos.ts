import { assertValidPixels } from './assertValidPixels.js';
import { InvalidPixelsError } from './errors.js';
import { toLuma } from './toLuma.js';
import type { LumaImage, RawPixels } from './types.js';
import { writeLumaRow } from './writeLumaRow.js';

export type ResizeLanczosParameters = {
  /** A grey image, or colour pixels that are converted to PIL "L" row by row as the resampler reads them. */
  image: LumaImage | RawPixels;
  width: number;
  height: number;
};
export type ResizeLanczosReturnType = LumaImage;

/** Fixed-point fraction bits PIL uses for 8-bit resampling: 32 - 8 result bits - 2 overflow bits. */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const LANCZOS_SUPPORT = 3;

/** Per-axis filter taps: for output i, taps start at `bounds[2i]`, count `bounds[2i+1]`, weights at `weights[i*ksize]`. */
type AxisCoefficients = { ksize: number; bounds: Int32Array; weights: Int32Array };

/**
 * Resizes an 8-bit grey image the way Pillow's `Image.resize(size, Image.LANCZOS)` does, bit for bit.
 *
 * Same separable two-pass scheme as Pillow's Resample.c: horizontal pass first (only over the rows the
 * vertical pass reads), then vertical; Lanczos-3 widened by the downscale factor; weights normalised to
 * sum 1 in double precision, then rounded half away from zero to 22-bit fixed point; each pass accumulates
 * in 32-bit integers from a rounding bias of 2^21 and clips to 0..255. Passes whose size is unchanged are
 * skipped as Pillow skips them. Colour input is first reduced to luma exactly as `toLuma` does, which is
 * `image.convert("L").resize(...)`.
 *
 * @example
 * const small = resizeLanczos({ image: luma, width: 32, height: 32 });
 */
export function resizeLanczos({ image, width, height }: ResizeLanczosParameters): ResizeLanczosReturnType {
  const pixels: RawPixels = 'channels' in image ? image : { ...image, channels: 1 };
  assertValidPixels(pixels);
  for (const [name, value] of [
    ['target width', width],
    ['target height', height],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new InvalidPixelsError(`${name} ${value} is not a positive integer`);
  }
  const channels = pixels.channels;
  const inW = image.width;
  const inH = image.height;
  const needHorizontal = width !== inW;
  const needVertical = height !== inH;
  if (!needHorizontal && !needVertical) {
    return channels === 1 ? { data: image.data.slice(), width, height } : toLuma(pixels);
  }

  const vertical = getCoefficients(inH, height);
  const firstRow = vertical.bounds[0]!;
  const lastRow = vertical.bounds[(height - 1) * 2]! + vertical.bounds[(height - 1) * 2 + 1]!;

  let source: Uint8Array;
  let sourceRowOffset = 0;
  let sourceWidth = inW;
  if (needHorizontal) {
    source = resampleHorizontal(
      image.data,
      channels,
      inW,
      firstRow,
      lastRow,
      width,
      getCoefficients(inW, width),
    );
    sourceRowOffset = firstRow;
    sourceWidth = width;
  } else {
    source = channels === 1 ? image.data : toLuma(pixels).data;
  }
  if (!needVertical) return { data: source, width, height };
  return {
    data: resampleVertical(source, sourceWidth, sourceRowOffset, height, vertical),
    width,
    height,
  };
}

/** Rows per horizontal sweep: each weight is loaded once for all of them (2× faster than row by row). */
const BLOCK_ROWS = 8;

function resampleHorizontal(
  data: Uint8Array,
  channels: RawPixels['channels'],
  inW: number,
  firstRow: number,
  lastRow: number,
  outW: number,
  coefficients: AxisCoefficients,
): Uint8Array {
  const out = new Uint8Array((lastRow - firstRow) * outW);
  // Consecutive rows are contiguous, so a block of rows converts to luma in one call.
  const block = channels === 1 ? data : new Uint8Array(BLOCK_ROWS * inW);
  let y = firstRow;
  for (; y + BLOCK_ROWS <= lastRow; y += BLOCK_ROWS) {
    let start = y * inW;
    if (channels !== 1) {
      writeLumaRow(data, start, channels, BLOCK_ROWS * inW, block);
      start = 0;
    }
    sweepEightRows(block, start, inW, out, (y - firstRow) * outW, outW, coefficients);
  }
  for (; y < lastRow; y++) {
    let start = y * inW;
    if (channels !== 1) {
      writeLumaRow(data, start, channels, inW, block);
      start = 0;
    }
    sweepRow(block, start, out, (y - firstRow) * outW, outW, coefficients);
  }
  return out;
}

// Integer sums are exact in any order and stay inside int32 as in Pillow, so `| 0` keeps V8 on int32 maths.

function sweepRow(
  row: Uint8Array,
  start: number,
  out: Uint8Array,
  outStart: number,
  outW: number,
  { ksize, bounds, weights }: AxisCoefficients,
): void {
  for (let x = 0; x < outW; x++) {
    const from = start + bounds[x * 2]!;
    const count = bounds[x * 2 + 1]!;
    const k = x * ksize;
    let sum = HALF;
    for (let i = 0; i < count; i++) sum = (sum + Math.imul(row[from + i]!, weights[k + i]!)) | 0;
    out[outStart + x] = clip8(sum);
  }
}

function sweepEightRows(
  rows: Uint8Array,
  start: number,
  stride: number,
  out: Uint8Array,
  outStart: number,
  outW: number,
  { ksize, bounds, weights }: AxisCoefficients,
): void {
  const s2 = 2 * stride;
  const s3 = 3 * stride;
  const s4 = 4 * stride;
  const s5 = 5 * stride;
  const s6 = 6 * stride;
  const s7 = 7 * stride;
  for (let x = 0; x < outW; x++) {
    const from = start + bounds[x * 2]!;
    const count = bounds[x * 2 + 1]!;
    const k = x * ksize;
    let a0 = HALF;
    let a1 = HALF;
    let a2 = HALF;
    let a3 = HALF;
    let a4 = HALF;
    let a5 = HALF;
    let a6 = HALF;
    let a7 = HALF;
    for (let i = 0; i < count; i++) {
      const w = weights[k + i]!;
      const p = from + i;
      a0 = (a0 + Math.imul(rows[p]!, w)) | 0;
      a1 = (a1 + Math.imul(rows[p + stride]!, w)) | 0;
      a2 = (a2 + Math.imul(rows[p + s2]!, w)) | 0;
      a3 = (a3 + Math.imul(rows[p + s3]!, w)) | 0;
      a4 = (a4 + Math.imul(rows[p + s4]!, w)) | 0;
      a5 = (a5 + Math.imul(rows[p + s5]!, w)) | 0;
      a6 = (a6 + Math.imul(rows[p + s6]!, w)) | 0;
      a7 = (a7 + Math.imul(rows[p + s7]!, w)) | 0;
    }
    const o = outStart + x;
    out[o] = clip8(a0);
    out[o + outW] = clip8(a1);
    out[o + 2 * outW] = clip8(a2);
    out[o + 3 * outW] = clip8(a3);
    out[o + 4 * outW] = clip8(a4);
    out[o + 5 * outW] = clip8(a5);
    out[o + 6 * outW] = clip8(a6);
    out[o + 7 * outW] = clip8(a7);
  }
}

function resampleVertical(
  data: Uint8Array,
  width: number,
  rowOffset: number,
  outH: number,
  { ksize, bounds, weights }: AxisCoefficients,
): Uint8Array {
  const out = new Uint8Array(outH * width);
  for (let y = 0; y < outH; y++) {
    const start = (bounds[y * 2]! - rowOffset) * width;
    const count = bounds[y * 2 + 1]!;
    const k = y * ksize;
    for (let x = 0; x < width; x++) {
      let sum = HALF;
      for (let i = 0, p = start + x; i < count; i++, p += width)
        sum = (sum + Math.imul(data[p]!, weights[k + i]!)) | 0;
      out[y * width + x] = clip8(sum);
    }
  }
  return out;
}

function clip8(sum: number): number {
  // Arithmetic shift of the 32-bit accumulator, as in C; sums stay far inside int32.
  const value = sum >> PRECISION_BITS;
  return value < 0 ? 0 : Math.min(value, 255);
}

const cache = new Map<string, AxisCoefficients>();

function getCoefficients(inSize: number, outSize: number): AxisCoefficients {
  const key = `${inSize}:${outSize}`;
  let coefficients = cache.get(key);
  if (!coefficients) {
    coefficients = computeCoefficients(inSize, outSize);
    // Hashing sees a handful of distinct sizes; cap the cache so odd inputs cannot grow it without bound.
    if (cache.size > 64) cache.clear();
    cache.set(key, coefficients);
  }
  return coefficients;
}

function computeCoefficients(inSize: number, outSize: number): AxisCoefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = LANCZOS_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const taps = new Float64Array(ksize);
  const inverseScale = 1 / filterScale;
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    // Math.trunc mirrors C's (int) cast, which truncates towards zero before the clamp.
    const min = Math.max(0, Math.trunc(center - support + 0.5));
    const count = Math.min(inSize, Math.trunc(center + support + 0.5)) - min;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const w = lanczos((i + min - center + 0.5) * inverseScale);
      taps[i] = w;
      total += w;
    }
    for (let i = 0; i < count; i++) {
      const w = total !== 0 ? taps[i]! / total : taps[i]!;
      const scaled = w * (1 << PRECISION_BITS);
      weights[o * ksize + i] = w < 0 ? Math.trunc(-0.5 + scaled) : Math.trunc(0.5 + scaled);
    }
    bounds[o * 2] = min;
    bounds[o * 2 + 1] = count;
  }
  return { ksize, bounds, weights };
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const t = x * Math.PI;
  return Math.sin(t) / t;
}

function lanczos(x: number): number {
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}
