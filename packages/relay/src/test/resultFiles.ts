import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getImageScore, getTextScore } from '@verinet/protocol/score';
import sharp from 'sharp';
import { bytesToHex, type Hex } from 'viem';

/** Deterministic pseudo-random RGB pixels (a different picture per seed). */
export function makePixels(width: number, height: number, seed: number, channels = 3): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 16) & 0xff;
  }
  return out;
}

/**
 * Pixels that compress about as a detailed picture does (a 512×512 PNG of ~0.7 MB with writePng, not the
 * repeating pattern of {@link makePixels}): smooth colour gradients plus per-pixel noise.
 */
export function makePhotoLikePixels(width: number, height: number, seed: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  let x = (seed * 2654435761) >>> 0;
  for (let y = 0; y < height; y++)
    for (let col = 0; col < width; col++) {
      const i = (y * width + col) * 3;
      for (let c = 0; c < 3; c++) {
        x = (x ^ (x << 13)) >>> 0;
        x = (x ^ (x >>> 17)) >>> 0;
        x = (x ^ (x << 5)) >>> 0;
        const smooth = ((col * (c + 1) + y * (3 - c)) * 255) / (width + height) / 2;
        out[i + c] = (smooth + (x & 0x07)) & 0xff;
      }
    }
  return out;
}

/** PNG result files written by the worker's own writePng, and the score the node would claim. */
export async function makeSdResult(
  width: number,
  height: number,
  count: number,
  seed = 1,
  pixels: (width: number, height: number, seed: number) => Uint8Array = makePixels,
): Promise<{ files: { name: string; bytes: Uint8Array }[]; score: Hex }> {
  const { writePng } = await import('@verinet/worker/sd');
  const dir = await mkdtemp(join(tmpdir(), 'relay-png-'));
  try {
    const files: { name: string; bytes: Uint8Array }[] = [];
    for (let i = 0; i < count; i++) {
      const path = join(dir, `${i}.png`);
      await writePng({ path, rgb: pixels(width, height, seed + i), width, height });
      files.push({ name: `${i}.png`, bytes: new Uint8Array(await readFile(path)) });
    }
    return { files, score: bytesToHex(await getImageScore(files.map((f) => f.bytes))) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** result.json as the worker's buildChatResult writes it, and its score. */
export async function makeLlmResult(content = 'Hello there.'): Promise<{ bytes: Uint8Array; score: Hex }> {
  const { buildChatResult, resolveGenerationConfig } = await import('@verinet/worker/llm');
  const bytes = buildChatResult('verinet/tiny-gpt2', {
    content,
    finishReason: 'stop',
    promptTokens: 5,
    completionTokens: 3,
    generationConfig: resolveGenerationConfig({
      task: { stop_strings: [], num_beams: 1, num_return_sequences: 1 },
      model: {},
      eosTokenIds: [0],
    }),
  });
  return { bytes, score: bytesToHex(getTextScore(bytes)) };
}

/** An RGBA PNG (alpha channel): refused. */
export async function makeAlphaPng(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(makePixels(width, height, 7, 4), { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer(),
  );
}

/** A 16-bit RGB PNG: refused. */
export async function makeSixteenBitPng(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(makePixels(width, height, 9, 3), { raw: { width, height, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer(),
  );
}

/** A palette PNG: refused. */
export async function makePalettePng(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(makePixels(width, height, 3, 3), { raw: { width, height, channels: 3 } })
      .png({ palette: true })
      .toBuffer(),
  );
}
