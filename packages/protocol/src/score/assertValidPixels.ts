import { InvalidPixelsError } from './errors.js';
import type { RawPixels } from './types.js';

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
