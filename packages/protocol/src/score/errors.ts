import { BaseError } from '../errors/index.js';

/** The bytes given as an image could not be decoded (not PNG, JPEG or WebP, or truncated). */
export type ImageDecodeErrorType = ImageDecodeError & { name: 'ImageDecodeError' };
export class ImageDecodeError extends BaseError {
  override name = 'ImageDecodeError' as const;
  constructor({ index, cause }: { index?: number | undefined; cause?: unknown }) {
    super(index === undefined ? 'Could not decode the image.' : `Could not decode image ${index}.`, {
      details: [
        'Results must be PNG (or JPEG/WebP) files that sharp can decode.',
        cause instanceof Error ? `Decoder said: ${cause.message}` : 'The decoder gave no reason.',
      ],
      docsPath: 'result-hashing.md',
      cause,
    });
  }
}

/** Raw pixels whose size, channel count or buffer length do not agree. */
export type InvalidPixelsErrorType = InvalidPixelsError & { name: 'InvalidPixelsError' };
export class InvalidPixelsError extends BaseError {
  override name = 'InvalidPixelsError' as const;
  constructor(problem: string) {
    super(`Invalid raw pixels: ${problem}.`, {
      details: [
        'Pass { data, width, height, channels } with channels 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA),',
        'width and height positive integers and data.length === width * height * channels.',
      ],
      docsPath: 'result-hashing.md',
    });
  }
}

/** A Hamming threshold outside 0..64 or not an integer. */
export type InvalidThresholdErrorType = InvalidThresholdError & { name: 'InvalidThresholdError' };
export class InvalidThresholdError extends BaseError {
  override name = 'InvalidThresholdError' as const;
  constructor(threshold: number) {
    super(`Invalid Hamming threshold ${threshold}.`, {
      details: ['The threshold counts differing bits in a 64-bit block: use an integer from 0 to 64.'],
      docsPath: 'result-hashing.md',
    });
  }
}

/** A 64-bit block argument that is not exactly 8 bytes. */
export type InvalidBlockLengthErrorType = InvalidBlockLengthError & { name: 'InvalidBlockLengthError' };
export class InvalidBlockLengthError extends BaseError {
  override name = 'InvalidBlockLengthError' as const;
  constructor(lengthA: number, lengthB: number) {
    super(`Cannot compare 64-bit blocks of ${lengthA} and ${lengthB} bytes.`, {
      details: ['hammingDistance64 takes two 8-byte pHash blocks.'],
      docsPath: 'result-hashing.md',
    });
  }
}
