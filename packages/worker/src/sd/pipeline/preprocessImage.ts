/**
 * 8-bit RGB (interleaved) to the VAE's input: planar [3, H, W] float32 in [−1, 1], computed as diffusers'
 * VaeImageProcessor does in float32: x / 255, then 2x − 1.
 *
 * @example
 * const pixels = toVaeInput(rgb, 64, 64); // Float32Array(3 · 64 · 64)
 */
export function toVaeInput(rgb: Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) out[c * plane + i] = Math.fround(2 * Math.fround(rgb[i * 3 + c]! / 255) - 1);
  return out;
}

/**
 * A mask image to a binary per-pixel mask (1 = repaint): PIL's `convert("L")` luma
 * (R·19595 + G·38470 + B·7471 + 2¹⁵) >> 16, then diffusers' binarization of luma / 255 at 0.5 (luma ≥ 128).
 */
export function toBinaryMask(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) {
    const luma = (rgb[i * 3]! * 19595 + rgb[i * 3 + 1]! * 38470 + rgb[i * 3 + 2]! * 7471 + 0x8000) >>> 16;
    mask[i] = luma / 255 >= 0.5 ? 1 : 0;
  }
  return mask;
}

/** The mask at latent resolution: nearest neighbour (torch's default interpolate) picks pixel (8y, 8x). */
export function downsampleMask(mask: Uint8Array, width: number, height: number): Float32Array {
  const latentWidth = width / 8;
  const latentHeight = height / 8;
  const out = new Float32Array(latentWidth * latentHeight);
  for (let y = 0; y < latentHeight; y++)
    for (let x = 0; x < latentWidth; x++) out[y * latentWidth + x] = mask[y * 8 * width + x * 8]!;
  return out;
}

/** diffusers' masked image: the normalized image where the mask keeps it (mask < 0.5), 0 where it repaints. */
export function maskImage(pixels: Float32Array, mask: Uint8Array): Float32Array {
  const plane = mask.length;
  return pixels.map((v, i) => (mask[i % plane] === 1 ? 0 : v));
}
