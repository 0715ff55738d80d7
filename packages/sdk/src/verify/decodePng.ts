import type { RawPixels } from '@verinet/protocol/score/browser';
import { decode } from 'fast-png';
import { ResultVerificationError } from '../errors/index.js';
import type { DecodeImage } from '../types.js';

/**
 * The default image decoder: fast-png, pure JavaScript (browser and Node alike). Results are 8-bit RGB PNGs
 * (the relay refuses anything else), which decode losslessly, so the pixels are exactly those PIL reads and the
 * pHash equals the node's. Other PNG forms (16-bit, palette, grey) are refused: they cannot be a valid result.
 *
 * @example
 * const pixels = await decodePng(pngBytes, 0);
 */
export const decodePng: DecodeImage = async (png, index) => {
  let decoded: ReturnType<typeof decode>;
  try {
    decoded = decode(png);
  } catch (cause) {
    throw new ResultVerificationError(
      '0x',
      `image ${index} is not a readable PNG (${(cause as Error).message})`,
    );
  }
  if (decoded.depth !== 8 || decoded.palette || (decoded.channels !== 3 && decoded.channels !== 4)) {
    throw new ResultVerificationError(
      '0x',
      `image ${index} is not an 8-bit RGB PNG (depth ${decoded.depth}, ${decoded.channels} channel(s))`,
    );
  }
  const pixels: RawPixels = {
    data: decoded.data as Uint8Array,
    width: decoded.width,
    height: decoded.height,
    channels: decoded.channels as 3 | 4,
  };
  return pixels;
};
