import { roundHalfEven } from '../schedulers/index.js';

/**
 * Converts one decoded image, float32 CHW in [-1, 1] (`sample[index]` of the VAE output), to interleaved
 * 8-bit RGB: v = clamp(x / 2 + 0.5, 0, 1), round-half-to-even(v · 255), as diffusers' numpy_to_pil does.
 *
 * @example
 * const rgb = toRgbPixels({ sample, width: 64, height: 64 });
 */
export function toRgbPixels({
  sample,
  width,
  height,
  index = 0,
}: {
  sample: Float32Array;
  width: number;
  height: number;
  index?: number;
}): Uint8Array {
  const plane = width * height;
  const offset = index * 3 * plane;
  if (sample.length < offset + 3 * plane) throw new RangeError('sample is smaller than 3 × width × height');
  const rgb = new Uint8Array(3 * plane);
  for (let channel = 0; channel < 3; channel++) {
    for (let p = 0; p < plane; p++) {
      const v = Math.min(1, Math.max(0, sample[offset + channel * plane + p]! / 2 + 0.5));
      rgb[p * 3 + channel] = roundHalfEven(v * 255);
    }
  }
  return rgb;
}
