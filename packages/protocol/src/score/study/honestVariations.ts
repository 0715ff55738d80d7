import sharp from 'sharp';
import { decodeImage } from '../decodeImage.js';
import type { RawPixels } from '../types.js';
import { createRandom, encodeJpeg } from './syntheticImages.js';
import {
  type RunTinyImageNetworkParameters,
  roundToFloat16,
  runTinyImageNetwork,
} from './tinyImageNetwork.js';

/** A way an honest node's image can differ from another honest node's for the same task. */
export type HonestVariation = {
  name: string;
  /** From a scene's pixels, the images two honest nodes would hand in. */
  pair: (pixels: RawPixels, seed: number) => Promise<[RawPixels, RawPixels]>;
};

/** A variation where the first node returns the scene as is and the second a transformed copy. */
function against(
  name: string,
  transform: (pixels: RawPixels, seed: number) => Promise<RawPixels>,
): HonestVariation {
  return { name, pair: async (pixels, seed) => [pixels, await transform(pixels, seed)] };
}

const raw = (p: RawPixels) =>
  sharp(p.data, { raw: { width: p.width, height: p.height, channels: p.channels } });
const decode = async (bytes: Uint8Array) => decodeImage({ bytes });

/** Pixel-level variations: encoders, rounding, light filtering and half-precision stages. */
export const pixelVariations: HonestVariation[] = [
  against('identical re-encode (PNG level 9, adaptive filter)', async (p) =>
    decode(new Uint8Array(await raw(p).png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer())),
  ),
  against('JPEG q95 re-encode', async (p) => decode(await encodeJpeg(p, 95))),
  against('JPEG q85 re-encode', async (p) => decode(await encodeJpeg(p, 85))),
  against('JPEG q75 re-encode', async (p) => decode(await encodeJpeg(p, 75))),
  against('±1 LSB noise on every sample', async (p, seed) => {
    const random = createRandom(seed);
    return { ...p, data: p.data.map((v) => Math.max(0, Math.min(255, v + Math.floor(random() * 3) - 1))) };
  }),
  against('small blur (Gaussian σ 0.5)', async (p) => {
    const { data, info } = await raw(p).blur(0.5).raw().toBuffer({ resolveWithObject: true });
    return { ...p, data: new Uint8Array(data), channels: info.channels };
  }),
  against('fp16 output stage ([-1,1] floats rounded to fp16 before 8 bit)', async (p) => {
    // A VAE hands out floats in [-1, 1]; the half-precision node rounds them to fp16 before quantising.
    // The result depends on the 8-bit value only, so a 256-entry table does the work.
    const table = new Uint8Array(256).map((_, v) => {
      const half = roundToFloat16(Math.fround(v / 127.5 - 1));
      return Math.max(0, Math.min(255, Math.round(((half + 1) / 2) * 255)));
    });
    return { ...p, data: p.data.map((v) => table[v]!) };
  }),
  {
    name: 'fp16 vs fp32 post-processing (gamma, colour matrix, sharpen)',
    pair: async (p) => [fp16Pipeline(p, false), fp16Pipeline(p, true)],
  },
];

/**
 * A small post-processing chain (gamma 2.2 to linear and back, a near-identity colour matrix, a mild 3×3
 * sharpen) with every intermediate rounded to fp16 (`half`) or to float32.
 */
export function fp16Pipeline(p: RawPixels, half: boolean): RawPixels {
  const round = half ? roundToFloat16 : Math.fround;
  const { width, height, channels } = p;
  const plane = width * height;
  // Planar linear-light image after the colour matrix, one plane per channel.
  const mixed = [new Float64Array(plane), new Float64Array(plane), new Float64Array(plane)] as const;
  const toLinear = new Float64Array(256).map((_, v) => round(round(v / 255) ** 2.2));
  for (let i = 0; i < plane; i++) {
    const r = toLinear[p.data[i * channels]!]!;
    const g = toLinear[p.data[i * channels + Math.min(1, channels - 1)]!]!;
    const b = toLinear[p.data[i * channels + Math.min(2, channels - 1)]!]!;
    mixed[0][i] = round(0.96 * r + 0.03 * g + 0.01 * b);
    mixed[1][i] = round(0.02 * r + 0.95 * g + 0.03 * b);
    mixed[2][i] = round(0.01 * r + 0.04 * g + 0.95 * b);
  }
  const out = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const m = mixed[c]!;
    for (let y = 0; y < height; y++) {
      const up = Math.max(0, y - 1) * width;
      const down = Math.min(height - 1, y + 1) * width;
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const left = Math.max(0, x - 1);
        const right = Math.min(width - 1, x + 1);
        const neighbours = m[row + left]! + m[row + right]! + m[up + x]! + m[down + x]!;
        const sharpened = round(1.2 * m[row + x]! - 0.05 * neighbours);
        const encoded = round(Math.max(0, sharpened) ** (1 / 2.2));
        out[(row + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(encoded * 255)));
      }
    }
  }
  return { data: out, width, height, channels: 3 };
}

/**
 * Network variations: the same tiny ONNX image network run the way two differently configured CPU nodes
 * would run it (thread count, graph optimisation level) or on half-precision hardware.
 */
export function createNetworkVariations(model: Uint8Array, halfModel: Uint8Array): HonestVariation[] {
  const run = (
    pixels: RawPixels,
    options: Omit<RunTinyImageNetworkParameters, 'pixels' | 'model'>,
    m = model,
  ) => runTinyImageNetwork({ model: m, pixels, ...options });
  return [
    {
      name: 'ONNX conv net: 1 vs 2 intra-op threads',
      pair: async (p) =>
        Promise.all([
          run(p, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' }),
          run(p, { intraOpNumThreads: 2, graphOptimizationLevel: 'all' }),
        ]),
    },
    {
      name: 'ONNX conv net: graph optimisation disabled vs all',
      pair: async (p) =>
        Promise.all([
          run(p, { intraOpNumThreads: 1, graphOptimizationLevel: 'disabled' }),
          run(p, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' }),
        ]),
    },
    {
      name: 'ONNX conv net: fp32 vs fp16 weights and input',
      pair: async (p) =>
        Promise.all([
          run(p, { intraOpNumThreads: 1, graphOptimizationLevel: 'basic' }),
          run(
            p,
            { intraOpNumThreads: 1, graphOptimizationLevel: 'basic', halfPrecisionInput: true },
            halfModel,
          ),
        ]),
    },
  ];
}
