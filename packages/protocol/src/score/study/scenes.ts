import sharp from 'sharp';
import type { RawPixels } from '../types.js';
import { createRandom } from './syntheticImages.js';

type Wave = { fx: number; fy: number; phase: number; amplitude: number };
type Shape = {
  kind: 'circle' | 'rect';
  x: number;
  y: number;
  size: number;
  rgb: [number, number, number];
  opacity: number;
};

/** Everything that defines a study scene; small changes to it model a sampler drifting on other hardware. */
export type SceneParameters = {
  width: number;
  height: number;
  base: [number, number, number];
  waves: Wave[][];
  shapes: Shape[];
  grainSeed: number;
};

/**
 * Random scene: smooth coloured background, a dozen soft shapes and fixed film grain, like a photo. Every
 * third scene is low-contrast (faint background waves and pale shapes, like a product shot on a plain
 * backdrop): there many DCT coefficients sit near the median, which is where pHash bits flip first.
 */
export function createSceneParameters(seed: number, width = 512, height = 512): SceneParameters {
  const random = createRandom(seed);
  const contrast = seed % 3 === 2 ? 0.12 : 1;
  const channel = () =>
    Array.from({ length: 5 }, () => ({
      fx: (random() * 5 + 0.2) / width,
      fy: (random() * 5 + 0.2) / height,
      phase: random() * Math.PI * 2,
      amplitude: (15 + random() * 35) * contrast,
    }));
  const shapes = Array.from(
    { length: 12 },
    (): Shape => ({
      kind: random() < 0.5 ? 'circle' : 'rect',
      x: random() * width,
      y: random() * height,
      size: (0.04 + random() * 0.18) * width,
      rgb: [random() * 255, random() * 255, random() * 255],
      opacity: (0.5 + random() * 0.5) * contrast,
    }),
  );
  return {
    width,
    height,
    base: [60 + random() * 120, 60 + random() * 120, 60 + random() * 120],
    waves: [channel(), channel(), channel()],
    shapes,
    grainSeed: seed * 7919 + 1,
  };
}

/**
 * Moves every parameter by a random fraction of its range scaled by `amount` (0.01 = 1 %): wave phases,
 * shape positions, sizes and colours. Models the small trajectory differences that tens of sampling steps
 * amplify when two honest nodes run the same diffusion on different hardware.
 */
export function perturbScene(scene: SceneParameters, amount: number, seed: number): SceneParameters {
  const random = createRandom(seed);
  const jitter = (range: number) => (random() * 2 - 1) * amount * range;
  return {
    ...scene,
    base: scene.base.map((v) => v + jitter(255)) as [number, number, number],
    waves: scene.waves.map((channel) =>
      channel.map((w) => ({
        ...w,
        phase: w.phase + jitter(Math.PI * 2),
        amplitude: w.amplitude + jitter(50),
      })),
    ),
    shapes: scene.shapes.map((s) => ({
      ...s,
      x: s.x + jitter(scene.width),
      y: s.y + jitter(scene.height),
      size: Math.max(1, s.size + jitter(scene.width * 0.2)),
      rgb: s.rgb.map((v) => v + jitter(255)) as [number, number, number],
    })),
  };
}

/** Renders a scene to 8-bit RGB pixels. */
export async function renderScene(scene: SceneParameters): Promise<RawPixels> {
  const { width, height } = scene;
  const grain = createRandom(scene.grainSeed);
  const background = new Uint8Array(width * height * 3);
  for (let y = 0, i = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++, i++) {
        let v = scene.base[c]!;
        for (const w of scene.waves[c]!)
          v += w.amplitude * Math.sin(2 * Math.PI * (w.fx * x + w.fy * y) + w.phase);
        background[i] = Math.max(0, Math.min(255, Math.round(v + (grain() - 0.5) * 12)));
      }
  const body = scene.shapes
    .map((s) => {
      const fill = `rgb(${s.rgb.map((v) => Math.max(0, Math.min(255, Math.round(v)))).join(',')})`;
      return s.kind === 'circle'
        ? `<circle cx="${s.x}" cy="${s.y}" r="${s.size / 2}" fill="${fill}" fill-opacity="${s.opacity}"/>`
        : `<rect x="${s.x - s.size / 2}" y="${s.y - s.size / 3}" width="${s.size}" height="${(s.size * 2) / 3}" fill="${fill}" fill-opacity="${s.opacity}"/>`;
    })
    .join('');
  const overlay = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`,
  );
  const { data, info } = await sharp(background, { raw: { width, height, channels: 3 } })
    .composite([{ input: overlay }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
}
