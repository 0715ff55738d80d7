import sharp, { type SharpOptions } from 'sharp';
import type { RawPixels } from '../types.js';

/** A named encoded test image. */
export type SyntheticImage = { name: string; bytes: Uint8Array };

/** Small deterministic PRNG (mulberry32) so every run draws the same pictures. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pixels from a per-pixel function returning channel values 0..255 (clamped and rounded). */
export function drawPixels(
  width: number,
  height: number,
  channels: RawPixels['channels'],
  shade: (x: number, y: number, c: number) => number,
): RawPixels {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0, i = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++, i++)
        data[i] = Math.max(0, Math.min(255, Math.round(shade(x, y, c))));
  return { data, width, height, channels };
}

/** Smooth random "photo-like" content: a sum of a few random low-frequency waves per channel. */
export function drawSmoothScene(
  width: number,
  height: number,
  seed: number,
  channels: RawPixels['channels'] = 3,
) {
  const random = createRandom(seed);
  const waves = Array.from({ length: channels * 6 }, () => ({
    fx: (random() * 6 + 0.3) / width,
    fy: (random() * 6 + 0.3) / height,
    phase: random() * Math.PI * 2,
    amplitude: 20 + random() * 40,
  }));
  const base = Array.from({ length: channels }, () => 60 + random() * 120);
  return drawPixels(width, height, channels, (x, y, c) => {
    let v = base[c]!;
    for (let w = c * 6; w < c * 6 + 6; w++) {
      const wave = waves[w]!;
      v += wave.amplitude * Math.sin(2 * Math.PI * (wave.fx * x + wave.fy * y) + wave.phase);
    }
    return v;
  });
}

function raw(pixels: RawPixels) {
  return sharp(pixels.data, {
    raw: { width: pixels.width, height: pixels.height, channels: pixels.channels },
  });
}

/** Encodes raw pixels as PNG (8-bit, the channel count of the pixels). */
export async function encodePng(pixels: RawPixels): Promise<Uint8Array> {
  // Without the b-w colourspace sharp widens grey input to RGB; keep L and LA files genuinely grey.
  const image = pixels.channels <= 2 ? raw(pixels).toColourspace('b-w') : raw(pixels);
  return new Uint8Array(await image.png().toBuffer());
}

/** Encodes raw pixels as baseline JPEG at the given quality (4:2:0 chroma, sharp's default). */
export async function encodeJpeg(pixels: RawPixels, quality: number): Promise<Uint8Array> {
  const image = pixels.channels <= 2 ? raw(pixels).toColourspace('b-w') : raw(pixels);
  return new Uint8Array(await image.jpeg({ quality }).toBuffer());
}

/** sharp reads 16-bit raw input at run time, but its typings only describe 8-bit raw input. */
function rawSixteen(width: number, height: number, channels: RawPixels['channels']): SharpOptions {
  return { raw: { width, height, channels, depth: 'ushort' } } as SharpOptions;
}

function svg(width: number, height: number, body: string): Promise<Buffer> {
  const doc = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`;
  return sharp(Buffer.from(doc)).png().toBuffer();
}

/**
 * A varied set of encoded images covering the decoder and resampler paths PIL distinguishes: sizes that
 * shrink, grow, keep 32 or change one axis only; grey, grey+alpha, RGB, RGBA, palette, 16-bit PNG,
 * JPEG and WebP; gradients, noise, shapes and text.
 */
export async function createSyntheticImages(): Promise<SyntheticImage[]> {
  const images: SyntheticImage[] = [];
  const add = (name: string, bytes: Uint8Array | Buffer) =>
    images.push({ name, bytes: new Uint8Array(bytes) });

  const sizes: [number, number][] = [
    [512, 512],
    [1, 1],
    [2, 2],
    [7, 513],
    [1024, 3],
    [32, 32],
    [64, 32],
    [32, 100],
    [16, 16],
    [33, 31],
    [300, 200],
    [768, 512],
    [45, 1000],
    [97, 61],
  ];
  for (const [i, [w, h]] of sizes.entries()) {
    add(`smooth-${w}x${h}.png`, await encodePng(drawSmoothScene(w, h, 100 + i)));
  }
  for (let seed = 0; seed < 8; seed++)
    add(`scene-${seed}.png`, await encodePng(drawSmoothScene(512, 512, 700 + seed)));
  const noiseSizes: [number, number][] = [
    [512, 512],
    [40, 40],
    [129, 77],
    [5, 9],
  ];
  for (const [i, [w, h]] of noiseSizes.entries()) {
    const random = createRandom(200 + i);
    add(`noise-${w}x${h}.png`, await encodePng(drawPixels(w, h, 3, () => random() * 256)));
  }
  add('gradient-horizontal.png', await encodePng(drawPixels(256, 256, 3, (x) => x)));
  add('gradient-vertical.png', await encodePng(drawPixels(200, 300, 1, (_x, y) => (y * 255) / 299)));
  add('gradient-diagonal.png', await encodePng(drawPixels(320, 240, 3, (x, y, c) => (x + y) / 2.2 + c * 20)));
  add(
    'gradient-radial.png',
    await encodePng(drawPixels(255, 255, 3, (x, y, c) => Math.hypot(x - 100, y - 140) + c * 30)),
  );
  add('flat-grey.png', await encodePng(drawPixels(64, 64, 1, () => 77)));
  add('flat-red.png', await encodePng(drawPixels(50, 70, 3, (_x, _y, c) => (c === 0 ? 250 : 10))));
  add('checker.png', await encodePng(drawPixels(512, 512, 1, (x, y) => (((x >> 5) + (y >> 5)) % 2) * 255)));
  add('stripes.png', await encodePng(drawPixels(100, 100, 3, (x, _y, c) => ((x + c) % 7) * 36)));
  add('grey-smooth.png', await encodePng(drawSmoothScene(256, 256, 300, 1)));
  add('grey-alpha.png', await encodePng(drawSmoothScene(128, 96, 301, 2)));
  add('rgba-smooth.png', await encodePng(drawSmoothScene(200, 200, 302, 4)));
  add(
    'rgba-transparent.png',
    await encodePng(drawPixels(64, 64, 4, (x, y, c) => (c === 3 ? 0 : (x * y) % 256))),
  );
  for (const colours of [2, 16, 256]) {
    add(
      `palette-${colours}.png`,
      await raw(drawSmoothScene(160, 120, 400 + colours))
        .png({ palette: true, colours, dither: 0 })
        .toBuffer(),
    );
  }
  for (const quality of [95, 75, 40])
    add(`photo-q${quality}.jpg`, await encodeJpeg(drawSmoothScene(512, 384, 500), quality));
  add(
    'noise-q85.jpg',
    await encodeJpeg(
      drawPixels(99, 101, 3, (x, y) => (x * 7 + y * 13) % 256),
      85,
    ),
  );
  add('grey-q90.jpg', await encodeJpeg(drawSmoothScene(240, 240, 501, 1), 90));
  add(
    'palette-alpha.png',
    await raw(drawSmoothScene(90, 90, 410, 4))
      .png({ palette: true, colours: 64, dither: 0 })
      .toBuffer(),
  );
  add(
    'smooth.webp',
    await raw(drawSmoothScene(300, 300, 502))
      .webp({ quality: 90 })
      .toBuffer(),
  );
  add(
    'lossless.webp',
    await raw(drawSmoothScene(64, 48, 503))
      .webp({ lossless: true })
      .toBuffer(),
  );

  const sixteen = drawSmoothScene(96, 80, 600);
  const wide = new Uint16Array(sixteen.data.length);
  for (const [i, v] of sixteen.data.entries()) wide[i] = v * 257 + ((i * 37) % 257);
  add(
    'rgb16.png',
    await sharp(Buffer.from(wide.buffer), rawSixteen(96, 80, 3))
      .toColourspace('rgb16')
      .png()
      .toBuffer(),
  );
  const grey16 = new Uint16Array(90 * 70);
  for (let i = 0; i < grey16.length; i++) grey16[i] = (i * 131) % 700;
  add(
    'grey16.png',
    await sharp(Buffer.from(grey16.buffer), rawSixteen(90, 70, 1))
      .toColourspace('grey16')
      .png()
      .toBuffer(),
  );
  // 16-bit with alpha: Pillow opens both as RGBA from the high bytes.
  for (const [name, channels, space] of [
    ['grey-alpha16.png', 2, 'grey16'],
    ['rgba16.png', 4, 'rgb16'],
  ] as const) {
    const samples = new Uint16Array(70 * 50 * channels);
    for (let i = 0; i < samples.length; i++) {
      const pixel = Math.floor(i / channels);
      const c = i % channels;
      const [x, y] = [pixel % 70, Math.floor(pixel / 70)];
      samples[i] =
        c === channels - 1 ? 40000 : Math.round(32000 + 30000 * Math.sin(x * 0.1 + c) * Math.cos(y * 0.13));
    }
    add(
      name,
      await sharp(Buffer.from(samples.buffer), rawSixteen(70, 50, channels))
        .toColourspace(space)
        .png()
        .toBuffer(),
    );
  }

  const shapes = [
    '<rect width="100%" height="100%" fill="#fff"/><circle cx="120" cy="90" r="60" fill="#c33"/><rect x="200" y="150" width="80" height="120" fill="#36c"/>',
    '<rect width="100%" height="100%" fill="#123"/><polygon points="10,300 150,20 290,300" fill="#fd0"/>',
    '<rect width="100%" height="100%" fill="#eee"/><ellipse cx="200" cy="160" rx="150" ry="40" fill="#080" transform="rotate(25 200 160)"/>',
    '<rect width="100%" height="100%" fill="#fff"/><circle cx="160" cy="160" r="100" fill="#000"/>',
  ];
  for (const [i, body] of shapes.entries()) add(`shapes-${i}.png`, await svg(320, 320, body));
  const texts = ['Verinet', 'pHash 0123456789', 'The quick brown fox'];
  for (const [i, text] of texts.entries()) {
    add(
      `text-${i}.png`,
      await svg(
        400,
        120,
        `<rect width="100%" height="100%" fill="#fff"/><text x="10" y="80" font-size="${48 - i * 8}" font-family="sans-serif" fill="#222">${text}</text>`,
      ),
    );
  }
  return images;
}
