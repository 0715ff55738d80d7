import { decodeImage } from './decodeImage.js';
import { getPixelsPHash } from './getPixelsPHash.js';
import type { RawPixels } from './types.js';

export type GetPHashParameters = Uint8Array | RawPixels;
export type GetPHashReturnType = Promise<Uint8Array>;

/**
 * 8-byte perceptual hash of an encoded image (PNG/JPEG/WebP bytes) or of raw pixels, bit-compatible with
 * Python's `imagehash.phash(Image.open(...))`.
 *
 * @example
 * const hash = await getPHash(await readFile('0.png'));
 * bytesToHex(hash); // the same hex imagehash prints
 */
export async function getPHash(image: GetPHashParameters): GetPHashReturnType {
  const pixels = image instanceof Uint8Array ? await decodeImage({ bytes: image }) : image;
  return getPixelsPHash(pixels);
}
