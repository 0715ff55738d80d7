import sharp from 'sharp';

/**
 * Writes interleaved 8-bit RGB pixels as a PNG (fixed compression settings, no metadata). The pixels, not
 * the PNG bytes, are what scores hash: the bytes may change with the libvips/zlib version.
 *
 * @example
 * await writePng({ path: 'out/0.png', rgb, width: 64, height: 64 });
 */
export async function writePng({
  path,
  rgb,
  width,
  height,
}: {
  path: string;
  rgb: Uint8Array;
  width: number;
  height: number;
}): Promise<void> {
  await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
    .toFile(path);
}
