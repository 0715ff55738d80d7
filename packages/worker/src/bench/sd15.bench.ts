/**
 * Real-size Stable Diffusion compute benchmark (npm run bench:worker:sd15; not a test, not part of npm test).
 * Real weights cannot be fetched here, so it generates SD 1.5's UNet and CLIP text encoder with their exact
 * shapes and random weights (sd15Graphs.ts) once, cached under .verinet/bench/ (never committed), and runs
 * them with the worker's pinned SD session options (graph optimization basic, sequential, intra-op threads).
 *
 * It prints seconds per denoising step at 512×512 with classifier-free guidance (one UNet call on batch 2,
 * 64×64 latents, 77×768 text states, as generateImages runs it) beside the ceiling measured in the same run:
 * the multiply-accumulate rate onnxruntime reaches on one large MatMul (2048³, same session options). The
 * ratio is the UNet's achieved rate (its counted MACs / time) over that rate. The text encoder time (one
 * prompt, batch 1) is printed too.
 *
 * BENCH_RUNS (default 3) timed UNet steps after one warm-up; BENCH_THREADS (default 2).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { createGraphBuilder } from '../onnx/index.js';
import { getSdSessionOptions } from '../sd/model/sessionOptions.js';
import { median } from './median.js';
import { buildSd15TextEncoder, buildSd15Unet, type Sd15Graph } from './sd15Graphs.js';
import { writeExternalDataModel } from './writeExternalDataModel.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const threads = Number(process.env.BENCH_THREADS ?? 2);
const options = getSdSessionOptions({ threads, executionProvider: 'cpu' });
const cacheRoot = resolve('.verinet', 'bench');

const spread = (values: number[], digits = 2) =>
  `median ${median(values).toFixed(digits)}, min ${Math.min(...values).toFixed(digits)}, max ${Math.max(...values).toFixed(digits)} (${values.length} runs)`;

/** Writes a generated graph once with its large initializers as external data; returns its path and counts. */
async function ensureModel(
  name: string,
  build: () => Sd15Graph,
): Promise<{ path: string; macs: number; parameters: number }> {
  const dir = join(cacheRoot, name);
  const path = join(dir, 'model.onnx');
  const stampPath = join(dir, 'stamp.json');
  const stamp = JSON.stringify({ name, format: 1 });
  if (existsSync(path) && (await readFile(stampPath, 'utf8').catch(() => '')) === stamp) {
    const counts = JSON.parse(await readFile(join(dir, 'counts.json'), 'utf8'));
    return { path, ...counts };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  console.log(`Generating ${name} into ${dir} (once)…`);
  const { builder, macs, parameters } = build();
  const { bytes } = await writeExternalDataModel(builder.build(), dir);
  await writeFile(join(dir, 'counts.json'), JSON.stringify({ macs, parameters }));
  await writeFile(stampPath, stamp);
  console.log(`  ${(bytes / 1e9).toFixed(2)} GB in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return { path, macs, parameters };
}

/** MACs/s of one 2048×2048 by 2048×2048 MatMul: median of 7 after 2 warm-ups. */
async function measureMatmulCeiling(): Promise<number[]> {
  const n = 2048;
  const g = createGraphBuilder({ name: 'matmul_ceiling', seed: 3 });
  const a = g.input('a', 'float32', [n, n]);
  g.output(g.op('MatMul', [a, g.randomInitializer('b', [n, n])]), 'float32', [n, n], 'c');
  const session = await InferenceSession.create(g.toBytes(), options);
  const input = new Tensor(
    'float32',
    Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)),
    [n, n],
  );
  const rates: number[] = [];
  for (let i = 0; i < 9; i++) {
    const started = performance.now();
    const out = await session.run({ a: input });
    const seconds = (performance.now() - started) / 1000;
    out.c!.dispose();
    if (i >= 2) rates.push(n ** 3 / seconds);
  }
  await session.release();
  return rates;
}

console.log(
  `bench:worker:sd15: SD 1.5-shaped UNet and text encoder, random weights, ${threads} intra-op threads`,
);
console.log(
  `  load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const unetModel = await ensureModel('sd15-unet-shape-random', () =>
  buildSd15Unet({ batch: 2, latent: 64, seed: 1 }),
);
const textModel = await ensureModel('sd15-text-encoder-shape-random', () => buildSd15TextEncoder(2));
console.log(
  `  UNet ${(unetModel.parameters / 1e6).toFixed(0)} M parameters, ${(unetModel.macs / 1e9).toFixed(0)} G MACs per step (batch 2, 64×64); ` +
    `text encoder ${(textModel.parameters / 1e6).toFixed(0)} M parameters, ${(textModel.macs / 1e9).toFixed(1)} G MACs`,
);

const ceilingBefore = await measureMatmulCeiling();

const textSession = await InferenceSession.create(textModel.path, options);
const ids = new Int32Array(77).fill(49_407);
ids[0] = 49_406;
const textTimes: number[] = [];
for (let i = 0; i < runs + 1; i++) {
  const started = performance.now();
  const out = await textSession.run({ input_ids: new Tensor('int32', ids, [1, 77]) });
  if (i > 0) textTimes.push((performance.now() - started) / 1000);
  out.last_hidden_state!.dispose();
}
await textSession.release();

const loadStarted = performance.now();
const unet = await InferenceSession.create(unetModel.path, options);
const loadSeconds = (performance.now() - loadStarted) / 1000;
const latents = Float32Array.from({ length: 2 * 4 * 64 * 64 }, (_, i) => Math.sin(i * 0.37));
const states = Float32Array.from({ length: 2 * 77 * 768 }, (_, i) => Math.cos(i * 0.11));
const stepTimes: number[] = [];
let finite = true;
for (let i = 0; i < runs + 1; i++) {
  const started = performance.now();
  const out = await unet.run({
    sample: new Tensor('float32', latents, [2, 4, 64, 64]),
    timestep: new Tensor('int64', BigInt64Array.of(500n, 500n), [2]),
    encoder_hidden_states: new Tensor('float32', states, [2, 77, 768]),
  });
  const seconds = (performance.now() - started) / 1000;
  finite &&= (out.out_sample!.data as Float32Array).every(Number.isFinite);
  out.out_sample!.dispose();
  if (i > 0) stepTimes.push(seconds);
  console.log(`  UNet call ${i === 0 ? 'warm-up' : i}: ${seconds.toFixed(2)} s`);
}
await unet.release();
const ceilingAfter = await measureMatmulCeiling();

const ceiling = median([...ceilingBefore, ...ceilingAfter]);
const stepSeconds = median(stepTimes);
const achieved = unetModel.macs / stepSeconds;
console.log(
  `\nResults (load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
console.log(`  UNet load: ${loadSeconds.toFixed(1)} s; output finite: ${finite}`);
console.log(`  seconds per denoising step (512×512, CFG, batch 2): ${spread(stepTimes)}`);
console.log(`  text encoder, one prompt: ${spread(textTimes, 3)} s`);
console.log(
  `  ceiling: one 2048³ MatMul, median of 14 (7 before, 7 after): ${(ceiling / 1e9).toFixed(1)} G MAC/s ` +
    `(min ${(Math.min(...ceilingBefore, ...ceilingAfter) / 1e9).toFixed(1)}, max ${(Math.max(...ceilingBefore, ...ceilingAfter) / 1e9).toFixed(1)})`,
);
console.log(
  `  UNet achieved: ${(achieved / 1e9).toFixed(1)} G MAC/s = ${((achieved / ceiling) * 100).toFixed(0)} % of the ceiling; ` +
    `ceiling-bound step time ${(unetModel.macs / ceiling).toFixed(2)} s`,
);
