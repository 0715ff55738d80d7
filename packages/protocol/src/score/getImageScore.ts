import { decodeImage } from './decodeImage.js';
import { getPixelsPHash } from './getPixelsPHash.js';
import type { RawPixels } from './types.js';

export type GetImageScoreParameters = readonly (Uint8Array | RawPixels)[];
export type GetImageScoreReturnType = Promise<Uint8Array>;

/**
 * Score of an image result: the 8-byte pHash of every image, concatenated in index order
 * (`0.png`, `1.png`, …), so image i owns bytes `8i … 8i+7`.
 *
 * @example
 * const score = await getImageScore([png0, png1]); // 16 bytes
 */
export async function getImageScore(images: GetImageScoreParameters): GetImageScoreReturnType {
  const score = new Uint8Array(images.length * 8);
  for (const [index, image] of images.entries()) {
    const pixels = image instanceof Uint8Array ? await decodeImage({ bytes: image, index }) : image;
    score.set(getPixelsPHash(pixels), index * 8);
  }
  return score;
}
