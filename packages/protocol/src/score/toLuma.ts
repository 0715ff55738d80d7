import { InvalidPixelsError } from './errors.js';
import type { LumaImage, RawPixels } from './types.js';

export type ToLumaParameters = RawPixels;
export type ToLumaReturnType = LumaImage;

/**
 * Converts pixels to PIL mode "L" exactly as `Image.convert("L")` does.
 *
 * PIL uses the ITU-R 601-2 weights in 16-bit fixed point with rounding:
 * `L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16`. Alpha is dropped, not composited (PIL does the
 * same), and grey inputs pass through unchanged (the weights sum to 65536).
 *
 * @example
 * const luma = toLuma({ data, width: 2, height: 1, channels: 3 });
 */
export function toLuma(pixels: ToLumaParameters): ToLumaReturnType {
  assertValidPixels(pixels);
  const { data, width, height, channels } = pixels;
  const count = width * height;
  if (channels === 1) return { data, width, height };
  const out = new Uint8Array(count);
  writeLumaRow(data, 0, channels, count, out);
  return { data: out, width, height };
}

/**
 * Writes the luma of `count` pixels starting at pixel `first` into `out`. Internal: lets the resampler
 * convert one row at a time instead of materialising a whole grey copy of a large image.
 */
export function writeLumaRow(
  data: Uint8Array,
  first: number,
  channels: 1 | 2 | 3 | 4,
  count: number,
  out: Uint8Array,
): void {
  let j = first * channels;
  if (channels === 1) {
    out.set(data.subarray(j, j + count));
  } else if (channels === 2) {
    for (let i = 0; i < count; i++, j += 2) out[i] = data[j]!;
  } else {
    for (let i = 0; i < count; i++, j += channels) {
      out[i] = (data[j]! * 19595 + data[j + 1]! * 38470 + data[j + 2]! * 7471 + 0x8000) >>> 16;
    }
  }
}

/** Throws InvalidPixelsError unless the buffer length agrees with width × height × channels. Internal. */
export function assertValidPixels(pixels: RawPixels): void {
  const { data, width, height, channels } = pixels;
  if (!(data instanceof Uint8Array)) throw new InvalidPixelsError('data is not a Uint8Array');
  if (!Number.isSafeInteger(width) || width < 1)
    throw new InvalidPixelsError(`width ${width} is not a positive integer`);
  if (!Number.isSafeInteger(height) || height < 1)
    throw new InvalidPixelsError(`height ${height} is not a positive integer`);
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4)
    throw new InvalidPixelsError(`channels ${String(channels)} is not 1, 2, 3 or 4`);
  if (data.length !== width * height * channels)
    throw new InvalidPixelsError(
      `data has ${data.length} bytes, expected ${width} * ${height} * ${channels} = ${width * height * channels}`,
    );
}
