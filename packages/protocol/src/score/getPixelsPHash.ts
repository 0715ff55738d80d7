import { getLowFrequencyDct } from './getLowFrequencyDct.js';
import { resizeLanczos } from './resizeLanczos.js';
import type { RawPixels } from './types.js';

export type GetPixelsPHashParameters = RawPixels;
/** 8 bytes, bit 63 (first byte's most significant bit) = coefficient (0,0). */
export type GetPixelsPHashReturnType = Uint8Array;

const HASH_SIZE = 8;
const IMAGE_SIZE = HASH_SIZE * 4;

/**
 * Perceptual hash of decoded pixels, equal bit for bit to Python's `imagehash.phash(img)`.
 *
 * Steps: PIL "L" luma, Pillow Lanczos resize to 32×32, unnormalised DCT-II over columns then rows, the
 * 8×8 low-frequency corner (DC included), a bit set where the coefficient is above the median of the
 * 64, packed row-major, most significant bit first (the order of imagehash's hex string).
 *
 * @example
 * const hash = getPixelsPHash({ data, width: 512, height: 512, channels: 3 });
 */
export function getPixelsPHash(pixels: GetPixelsPHashParameters): GetPixelsPHashReturnType {
  const small = resizeLanczos({ image: pixels, width: IMAGE_SIZE, height: IMAGE_SIZE });
  const low = getLowFrequencyDct({ pixels: small.data, size: IMAGE_SIZE, keep: HASH_SIZE });
  const median = getMedian(low);
  const hash = new Uint8Array(HASH_SIZE);
  for (let i = 0; i < low.length; i++) {
    if (low[i]! > median) hash[i >> 3]! |= 0x80 >> (i & 7);
  }
  return hash;
}

/** numpy.median: mean of the two middle values for an even count. */
function getMedian(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return (sorted[middle - 1]! + sorted[middle]!) / 2;
}
