import { getPixelsPHash, type RawPixels } from '@verinet/protocol/score';

/** Runs in a worker thread of createPHashPool: the pHash of one decoded image (≈ 25 ms for 512² pixels). */
export default function hashPixels(pixels: RawPixels): Uint8Array {
  return getPixelsPHash(pixels);
}
