import { resizeLanczos } from '@verinet/protocol/score';
import sharp from 'sharp';
import { SdUnsupportedArgumentError } from '../errors.js';
import { detectCannyEdges } from './canny.js';

/** Largest conditioning image side accepted before preprocessing. */
export const maxControlImageSide = 4096;

export type ControlPreprocess = { method: string; args: Record<string, number | string | boolean> };

export type PrepareControlImageParameters = {
  /** `data:image/…;base64,…` */
  dataUrl: string;
  width: number;
  height: number;
  preprocess?: ControlPreprocess | undefined;
};

const refuse = (argument: string, reason: string): never => {
  throw new SdUnsupportedArgumentError({ argument, reason });
};

/** Canny's arguments as controlnet_aux names them, with its defaults; anything else is refused by name. */
function cannyThresholds(args: ControlPreprocess['args']): { low: number; high: number } {
  const out = { low: 100, high: 200 };
  for (const [key, value] of Object.entries(args)) {
    if (key !== 'low_threshold' && key !== 'high_threshold')
      refuse(`controlnet.preprocess.args.${key}`, 'canny takes low_threshold and high_threshold only');
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 10_000)
      refuse(`controlnet.preprocess.args.${key}`, 'must be a number between 0 and 10000');
    out[key === 'low_threshold' ? 'low' : 'high'] = value as number;
  }
  return out;
}

/**
 * Turns a task's conditioning image into ControlNet's `controlnet_cond` for one image: decode (sharp; alpha
 * dropped as PIL's convert("RGB") does), the preprocessor at the image's own size (canny: `detectCannyEdges`, the
 * grey edge map copied to three channels), Pillow-exact Lanczos resize to the task size per channel, then
 * value / 255 in float32, laid out [3, height, width]: diffusers' control image processor (no normalization).
 *
 * @throws SdUnsupportedArgumentError naming `controlnet.image_dataurl` or `controlnet.preprocess…`.
 */
export async function prepareControlImage(parameters: PrepareControlImageParameters): Promise<Float32Array> {
  const { dataUrl, width, height, preprocess } = parameters;
  const field = 'controlnet.image_dataurl';
  const match = /^data:image\/[a-z+.-]+;base64,([A-Za-z0-9+/]+={0,2})$/.exec(dataUrl);
  if (!match) return refuse(field, 'expected a base64 image data URL');
  let rgb: Uint8Array;
  let info: { width: number; height: number; channels: number };
  try {
    const image = sharp(Buffer.from(match[1]!, 'base64'), { limitInputPixels: maxControlImageSide ** 2 });
    const metadata = await image.metadata();
    // sharp would convert an embedded colour profile to sRGB where PIL keeps the stored values: refuse.
    if (metadata.icc)
      return refuse(field, 'the image has an embedded ICC colour profile; send it without one');
    if ((metadata.width ?? 0) > maxControlImageSide || (metadata.height ?? 0) > maxControlImageSide)
      return refuse(field, `the image is larger than ${maxControlImageSide} pixels on a side`);
    const { data, info: raw } = await image
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    rgb = new Uint8Array(data);
    info = raw;
  } catch (error) {
    if (error instanceof SdUnsupportedArgumentError) throw error;
    return refuse(field, `the image cannot be decoded (${(error as Error).message})`);
  }
  if (info.channels !== 3) return refuse(field, `decoded to ${info.channels} channels, expected RGB`);
  let channels: Uint8Array[];
  if (preprocess === undefined) {
    channels = [0, 1, 2].map((c) =>
      Uint8Array.from({ length: info.width * info.height }, (_, i) => rgb[i * 3 + c]!),
    );
  } else if (preprocess.method === 'canny') {
    const { low, high } = cannyThresholds(preprocess.args);
    const edges = detectCannyEdges({
      data: rgb,
      width: info.width,
      height: info.height,
      channels: 3,
      lowThreshold: low,
      highThreshold: high,
    });
    channels = [edges, edges, edges];
  } else {
    return refuse(
      'controlnet.preprocess.method',
      `${preprocess.method} is not implemented by this worker version (canny is); send an already preprocessed image without preprocess`,
    );
  }
  const out = new Float32Array(3 * width * height);
  for (const [c, plane] of channels.entries()) {
    const resized =
      info.width === width && info.height === height
        ? plane
        : resizeLanczos({ image: { data: plane, width: info.width, height: info.height }, width, height })
            .data;
    for (let i = 0; i < width * height; i++) out[c * width * height + i] = resized[i]! / 255;
  }
  return out;
}
