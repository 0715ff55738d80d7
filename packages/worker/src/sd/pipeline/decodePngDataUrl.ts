import sharp from 'sharp';
import { SdUnsupportedArgumentError } from '../errors.js';

/**
 * Decodes a base64 PNG data URL to interleaved 8-bit RGB, as PIL's `convert("RGB")` reads it in diffusers'
 * pipelines: alpha dropped (not composited), grey and palette images expanded, no colour management.
 * PNG is lossless, so every node gets the same pixels from the same bytes.
 *
 * @throws SdUnsupportedArgumentError naming `argument` when the bytes are not a decodable PNG of that size.
 * @example
 * const { rgb } = await decodePngDataUrl({ dataUrl, width: 64, height: 64, argument: 'init_image.image_dataurl' });
 */
export async function decodePngDataUrl({
  dataUrl,
  width,
  height,
  argument,
}: {
  dataUrl: string;
  width: number;
  height: number;
  argument: string;
}): Promise<{ rgb: Uint8Array }> {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix))
    throw new SdUnsupportedArgumentError({ argument, reason: 'expected a base64 PNG data URL' });
  try {
    const { data, info } = await sharp(Buffer.from(dataUrl.slice(prefix.length), 'base64'), {
      failOn: 'error',
    })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height || info.channels !== 3)
      throw new Error(`decoded ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×3`);
    return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw new SdUnsupportedArgumentError({
      argument,
      reason: `not a readable PNG (${(error as Error).message})`,
    });
  }
}
