/**
 * Stable Diffusion per-feature benchmark (npm run bench:worker:sd; not a test). On the tiny code-generated
 * models, in-process through the SD backend (PNG decode and encode included), it times text-to-image against
 * image-to-image (strength 100 and 50), inpainting with a 9-channel UNet and inpainting by legacy blending,
 * all at the same size, steps, scheduler and thread count. Tasks run round-robin (one of each per round,
 * after warm-up rounds) so that machine load drifts hit every feature alike. Prints per feature the median,
 * the spread (min … max) over the runs, the UNet evaluations it made and the ratio of medians against
 * text-to-image measured in the same run.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTaskArgs, type SdTaskArgsInput } from '@verinet/protocol/args';
import sharp from 'sharp';
import type { RunContext } from '../backend/types.js';
import { createSdBackend } from '../sd/index.js';
import { writeTinySdModel } from '../sd/tiny/index.js';
import { median } from './median.js';

const runs = Number(process.env.BENCH_RUNS ?? 10);
const warmupRounds = 2;
const size = Number(process.env.BENCH_SD_SIZE ?? 128);
const steps = 8;
const root = await mkdtemp(join(tmpdir(), 'verinet-bench-sd-'));
const modelsDir = join(root, 'models');
let dirs = 0;

async function pngDataUrl(pixel: (x: number, y: number) => number[]): Promise<string> {
  const rgb = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) rgb.set(pixel(x, y), (y * size + x) * 3);
  const png = await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

try {
  await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd', seed: 1 });
  await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd-inpaint', seed: 5, kind: 'inpaint' });
  const image = await pngDataUrl((x, y) => [(x * 255) / size, (y * 255) / size, 128]);
  const mask = await pngDataUrl((x) => (x < size / 2 ? [255, 255, 255] : [0, 0, 0]));
  const base = {
    version: '1.1.0',
    base_model: 'verinet/tiny-sd',
    prompt: 'a red cat',
    negative_prompt: 'bed',
    task_config: { image_width: size, image_height: size, steps, seed: 1, num_images: 1, cfg: 7 },
  };
  const features: { name: string; args: SdTaskArgsInput }[] = [
    { name: 'text-to-image', args: base },
    {
      name: 'image-to-image, strength 100',
      args: { ...base, init_image: { image_dataurl: image, strength: 100 } },
    },
    {
      name: 'image-to-image, strength 50',
      args: { ...base, init_image: { image_dataurl: image, strength: 50 } },
    },
    {
      name: 'inpainting, 9-channel UNet',
      args: {
        ...base,
        base_model: 'verinet/tiny-sd-inpaint',
        inpaint: { image_dataurl: image, mask_dataurl: mask },
      },
    },
    {
      name: 'inpainting, legacy blending',
      args: { ...base, inpaint: { image_dataurl: image, mask_dataurl: mask } },
    },
  ];
  // One backend per model: the backend keeps one model loaded, and loading is not what is measured here.
  const backends = new Map<string, ReturnType<typeof createSdBackend>>();
  const samples = features.map(() => [] as number[]);
  const evaluations = features.map(() => 0);
  for (let round = 0; round < warmupRounds + runs; round++) {
    for (const [i, feature] of features.entries()) {
      const args = parseTaskArgs('sd', feature.args);
      const backend = backends.get(args.base_model.name) ?? createSdBackend();
      backends.set(args.base_model.name, backend);
      const outputDir = join(root, `out-${dirs++}`);
      await mkdir(outputDir);
      let count = 0;
      const ctx: RunContext = {
        outputDir,
        modelsDir,
        threads: 1,
        executionProvider: 'cpu',
        onProgress: () => {
          count++;
        },
        signal: new AbortController().signal,
      };
      const started = performance.now();
      await backend.run(args, ctx);
      const elapsed = performance.now() - started;
      evaluations[i] = count;
      if (round >= warmupRounds) samples[i]!.push(elapsed);
    }
  }
  for (const backend of backends.values()) await backend.dispose();
  const baseline = median(samples[0]!);
  console.log(
    `SD features on the tiny model, ${size}x${size}, ${steps} steps, DDIM, cfg 7, 1 thread; ${runs} runs each (round-robin after ${warmupRounds} warm-up rounds)`,
  );
  console.log('| feature | UNet steps | median ms | min … max ms | ratio to text-to-image |');
  console.log('|---|---|---|---|---|');
  for (const [i, feature] of features.entries()) {
    const values = samples[i]!;
    console.log(
      `| ${feature.name} | ${evaluations[i]} | ${median(values).toFixed(1)} | ${Math.min(...values).toFixed(1)} … ${Math.max(...values).toFixed(1)} | ${(median(values) / baseline).toFixed(2)} |`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
