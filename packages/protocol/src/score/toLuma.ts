import { assertValidPixels } from './assertValidPixels.js';
import type { LumaImage, RawPixels } from './types.js';
import { writeLumaRow } from './writeLumaRow.js';

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
