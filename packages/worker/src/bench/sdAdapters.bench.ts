/**
 * Stable Diffusion adapter benchmark (npm run bench:worker:sd-adapters; not a test). On the tiny code-generated
 * models, interleaving the variants run by run so that drift hits them alike:
 * - task time with the model loaded, plain text-to-image against LoRA (two LoRAs merged), textual inversion
 *   and ControlNet (canny preprocessing included) on the same base weights;
 * - model load time (fresh backend, first task minus a loaded task) without and with LoRA.
 * Prints median, min–max, run count and the ratio of medians to the plain baseline measured in the same run.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SdTaskArgsInput, sdTaskArgsSchema } from '@verinet/protocol/args';
import sharp from 'sharp';
import type { RunContext } from '../backend/types.js';
import { writeTinyControlnetModel, writeTinyControlnetSdModel } from '../sd/controlnet/tiny.js';
import { createSdBackend } from '../sd/index.js';
import { createTinyLoraPairs, encodeTinyLora, writeTinyAdapterModel } from '../sd/lora/tiny.js';
import { createTinyEmbeddingVectors, encodeDiffusersEmbedding } from '../sd/textualInversion/tiny.js';
import { median } from './median.js';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const root = await mkdtemp(join(tmpdir(), 'verinet-bench-adapters-'));
const modelsDir = join(root, 'models');
const modelId = 'verinet/tiny-sd-bench';
let dirs = 0;
const context = async (): Promise<RunContext> => {
  const outputDir = join(root, `out-${dirs++}`);
  await mkdir(outputDir);
  return {
    outputDir,
    modelsDir,
    threads: 1,
    executionProvider: 'cpu',
    onProgress: () => {},
    signal: new AbortController().signal,
  };
};

try {
  await writeTinyControlnetSdModel({ modelsDir, modelId, seed: 1 });
  await writeTinyControlnetModel({ modelsDir, modelId: 'bench/controlnet' });
  const unetTargets = [
    {
      component: 'unet',
      module: 'down_blocks.0.resnets.0.conv1',
      outFeatures: 32,
      inFeatures: 32,
      kernel: 3,
    },
    { component: 'unet', module: 'up_blocks.0.resnets.0.conv1', outFeatures: 32, inFeatures: 32, kernel: 3 },
    {
      component: 'text_encoder',
      module: 'text_model.encoder.layers.0.mlp.fc1',
      outFeatures: 64,
      inFeatures: 32,
    },
  ] as const;
  for (const seed of [1, 2])
    await writeTinyAdapterModel({
      modelsDir,
      modelId: `bench/lora-${seed}`,
      files: {
        'l.safetensors': encodeTinyLora(
          createTinyLoraPairs({ seed, rank: 8, targets: unetTargets }),
          'kohya',
          8,
        ),
      },
    });
  await writeTinyAdapterModel({
    modelsDir,
    modelId: 'bench/embedding',
    files: {
      'learned_embeds.safetensors': encodeDiffusersEmbedding('<toy>', createTinyEmbeddingVectors(1, 1)),
    },
  });
  const edgesPng = await sharp(
    Buffer.from(
      Array.from({ length: 64 * 64 * 3 }, (_, i) => ((i / 3) % 64 > 20 && i / 192 > 16 ? 230 : 20)),
    ),
    { raw: { width: 64, height: 64, channels: 3 } },
  )
    .png()
    .toBuffer();

  const base = (rest: Partial<SdTaskArgsInput> = {}) =>
    sdTaskArgsSchema.parse({
      version: '1.1.0',
      base_model: modelId,
      prompt: 'a red cat <toy>',
      task_config: { image_width: 64, image_height: 64, steps: 4, seed: 1, num_images: 1, cfg: 7 },
      ...rest,
    });
  const variants = {
    plain: base(),
    lora: base({
      lora: [
        { model: 'bench/lora-1', weight: 80 },
        { model: 'bench/lora-2', weight: 50 },
      ],
    }),
    'textual inversion': base({ textual_inversion: 'bench/embedding' }),
    'controlnet (canny)': base({
      controlnet: {
        model: 'bench/controlnet',
        image_dataurl: `data:image/png;base64,${edgesPng.toString('base64')}`,
        preprocess: { method: 'canny', args: {} },
      },
    }),
  };
  type Name = keyof typeof variants;
  const names = Object.keys(variants) as Name[];

  // Steady state: one backend per variant keeps its model (and ControlNet sessions) loaded.
  const backends = Object.fromEntries(names.map((n) => [n, createSdBackend()])) as Record<
    Name,
    ReturnType<typeof createSdBackend>
  >;
  const taskMs = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  for (const n of names) await backends[n].run(variants[n], await context());
  for (let r = 0; r < runs; r++) {
    for (const n of names) {
      const ctx = await context();
      const start = performance.now();
      await backends[n].run(variants[n], ctx);
      taskMs[n].push(performance.now() - start);
    }
  }
  for (const n of names) await backends[n].dispose();

  // Load: a fresh backend's first task minus the loaded-task median of the same variant.
  const loadVariants = { 'load plain': variants.plain, 'load + 2 LoRAs': variants.lora } as const;
  const loadMs: Record<string, number[]> = { 'load plain': [], 'load + 2 LoRAs': [] };
  for (let r = 0; r < runs; r++) {
    for (const [n, args] of Object.entries(loadVariants)) {
      const backend = createSdBackend();
      const ctx = await context();
      const start = performance.now();
      await backend.run(args, ctx);
      const first = performance.now() - start;
      await backend.dispose();
      loadMs[n]!.push(first - median(taskMs[n === 'load plain' ? 'plain' : 'lora']));
    }
  }

  const row = (name: string, values: number[], baseline: number[]) =>
    `${name.padEnd(22)} ${median(values).toFixed(2).padStart(8)} ms   ${Math.min(...values)
      .toFixed(2)
      .padStart(7)}–${Math.max(...values)
      .toFixed(2)
      .padEnd(8)} n=${values.length}   ×${(median(values) / median(baseline)).toFixed(3)}`;
  console.log(`tiny SD 64×64, 4 DDIM steps, cfg 7, 1 thread; ${runs} interleaved runs per variant`);
  console.log('task (model loaded)      median          min–max         runs   ratio to plain');
  for (const n of names) console.log(row(n, taskMs[n], taskMs.plain));
  console.log('model load (first task − loaded task median)');
  for (const n of Object.keys(loadMs)) console.log(row(n, loadMs[n]!, loadMs['load plain']!));
} finally {
  await rm(root, { recursive: true, force: true });
}
