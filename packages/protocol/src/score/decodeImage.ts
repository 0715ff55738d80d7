import sharp, { type Sharp } from 'sharp';
import { ImageDecodeError } from './errors.js';
import type { RawPixels } from './types.js';

export type DecodeImageParameters = {
  /** Encoded PNG, JPEG or WebP bytes. */
  bytes: Uint8Array;
  /** Position in a result set, only used in error messages. */
  index?: number | undefined;
};
export type DecodeImageReturnType = RawPixels;

/** Refuse decompression bombs: 64 Mpx is far above any result image we expect. */
const MAX_PIXELS = 64 * 1024 * 1024;

/**
 * Decodes an image to 8-bit pixels the way PIL's `Image.open` presents them, without any resizing.
 *
 * sharp decodes; the embedded ICC profile is ignored and EXIF orientation not applied, because PIL does
 * neither. 16-bit PNGs follow PIL: colour channels keep their high byte, while 16-bit grey opens in PIL
 * as an integer image whose conversion to "L" clips at 255, so it is clipped here too. CMYK input is
 * refused (ImageDecodeError): PIL's CMYK→RGB formula differs from libvips'.
 *
 * @example
 * const pixels = await decodeImage({ bytes: png });
 */
export async function decodeImage({ bytes, index }: DecodeImageParameters): Promise<DecodeImageReturnType> {
  try {
    const image = sharp(bytes, { ignoreIcc: true, limitInputPixels: MAX_PIXELS, failOn: 'error' });
    const { depth, channels, space } = await image.metadata();
    // PIL and libvips turn CMYK into RGB by different formulas, so a hash would silently disagree.
    if (space === 'cmyk') throw new Error('CMYK images are not supported: convert results to RGB PNG');
    if (depth === 'ushort') return await decodeSixteenBit(image, (channels ?? 3) <= 2);
    const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: info.channels,
    };
  } catch (cause) {
    throw new ImageDecodeError({ index, cause });
  }
}

async function decodeSixteenBit(image: Sharp, grey: boolean): Promise<RawPixels> {
  // Pin the 16-bit colourspace, or libvips rescales the samples to the 8-bit range on the way out.
  const { data, info } = await image
    .toColourspace(grey ? 'grey16' : 'rgb16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  // A Uint16Array view needs an even byte offset; copy in the rare case the pool hands out an odd one.
  const aligned = data.byteOffset % 2 === 0 ? data : Buffer.from(data);
  const samples = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 1);
  const out = new Uint8Array(samples.length);
  if (info.channels === 1) {
    for (let i = 0; i < samples.length; i++) out[i] = Math.min(samples[i]!, 255);
  } else {
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]! >>> 8;
  }
  return { data: out, width: info.width, height: info.height, channels: info.channels };
}
