/**
 * Real-size LLM decoding benchmark (npm run bench:llm; not a test, not part of npm test). Real weights
 * cannot be fetched here, so it generates a Qwen2.5-0.5B-shaped model with random weights (24 layers,
 * hidden 896, 14 query heads on 2 key/value heads, head_dim 64, SwiGLU 4864, vocabulary 151,936, tied
 * embeddings: 494 M parameters, 2.0 GB fp32) once, cached under .verinet/bench/ (never committed), and runs
 * it with the worker's pinned onnxruntime session options. It prints decode tokens per second beside the
 * ceiling measured in the same run: the memory bandwidth (the faster of onnxruntime streaming a 512 MB
 * tensor and a 512 MB memcpy), divided by the bytes of weights one decode step must read. Batch 1 decoding reads
 * every weight once per token, so that ratio says how close the runtime comes to the machine's limit.
 *
 * BENCH_RUNS (default 3) runs of BENCH_TOKENS (default 16) decode steps after a 16-token prompt;
 * BENCH_THREADS (default 2) intra-op threads.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { getLlmSessionOptions } from '../llm/loadLlm.js';
import { buildLlamaGraph, type TinyLlamaDimensions } from '../llm/tiny/createTinyLlamaOnnx.js';
import { createGraphBuilder } from '../onnx/index.js';
import { median } from './median.js';
import { writeExternalDataModel } from './writeExternalDataModel.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const decodeTokens = Number(process.env.BENCH_TOKENS ?? 16);
const threads = Number(process.env.BENCH_THREADS ?? 2);
const promptTokens = 16;

const dimensions: TinyLlamaDimensions = {
  vocabSize: 151_936,
  hidden: 896,
  heads: 14,
  kvHeads: 2,
  headDim: 64,
  intermediate: 4864,
  layers: 24,
  positions: 32_768,
  ropeTheta: 1_000_000,
  rmsNormEps: 1e-6,
  qkvBias: true,
  tiedEmbeddings: true,
};

const cacheDir = resolve('.verinet', 'bench', 'qwen2.5-0.5b-shape-random');
const modelPath = join(cacheDir, 'model.onnx');

/** Writes the model once: graph in model.onnx, every large initializer in model.onnx_data (external data). */
async function ensureModel(): Promise<{ parameters: number; streamedBytes: number }> {
  const stamp = JSON.stringify({ dimensions, seed: 0, format: 1 });
  const stampPath = join(cacheDir, 'stamp.json');
  if (existsSync(modelPath) && (await readFile(stampPath, 'utf8').catch(() => '')) === stamp) {
    return countParameters(JSON.parse(await readFile(join(cacheDir, 'counts.json'), 'utf8')));
  }
  await rm(cacheDir, { recursive: true, force: true });
  await mkdir(cacheDir, { recursive: true });
  const started = performance.now();
  console.log(`Generating the random-weight model into ${cacheDir} (once; about 2 GB)…`);
  const { bytes, elements: counts } = await writeExternalDataModel(
    buildLlamaGraph(dimensions, 0).build(),
    cacheDir,
  );
  await writeFile(join(cacheDir, 'counts.json'), JSON.stringify(counts));
  await writeFile(stampPath, stamp);
  console.log(
    `  ${(bytes / 1e9).toFixed(2)} GB written in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return countParameters(counts);
}

/** Parameters, and the bytes one decode step streams: every weight except the embedding rows it gathers
 * (the tied embedding is still read whole, as the lm_head). */
function countParameters(counts: Record<string, number>): { parameters: number; streamedBytes: number } {
  const parameters = Object.values(counts).reduce((a, b) => a + b, 0);
  return { parameters, streamedBytes: parameters * 4 };
}

type Rate = { median: number; min: number; max: number };

/**
 * Memory bandwidth two ways, median of 7 after 2 warm-ups, in bytes/s: onnxruntime streaming a 512 MB
 * tensor (ReduceSum of [1024, 131072] over its rows, split across the intra-op threads), and a 512 MB
 * memcpy (TypedArray.set, one thread; read plus write bytes). The ceiling takes the faster: no decode step
 * can stream its weights faster than the machine streams memory.
 */
async function measureBandwidth(): Promise<{ reduce: Rate; copy: Rate }> {
  const rows = 1024;
  const cols = 128 << 10;
  const g = createGraphBuilder({ name: 'bandwidth', opset: 17 });
  const x = g.input('x', 'float32', [rows, cols]);
  g.output(g.op('ReduceSum', [x, g.int64s([1])], { keepdims: 0 }), 'float32', [rows], 'y');
  const session = await InferenceSession.create(g.toBytes(), getLlmSessionOptions(threads));
  const values = new Float32Array(rows * cols).fill(1);
  const input = new Tensor('float32', values, [rows, cols]);
  const reduce = await rate(values.byteLength, async () => {
    await session.run({ x: input });
  });
  await session.release();
  const target = new Float32Array(values.length);
  const copy = await rate(2 * values.byteLength, async () => {
    target.set(values);
  });
  return { reduce, copy };
}

async function rate(bytes: number, body: () => Promise<void>): Promise<Rate> {
  const rates: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    await body();
    const seconds = (performance.now() - t0) / 1000;
    if (i >= 2) rates.push(bytes / seconds);
  }
  return { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) };
}

async function measureDecoding(): Promise<{ perRun: number[]; loadSeconds: number }> {
  const t0 = performance.now();
  const session = await InferenceSession.create(modelPath, getLlmSessionOptions(threads));
  const loadSeconds = (performance.now() - t0) / 1000;
  const int64 = (values: number[]) =>
    new Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const emptyPast = new Tensor('float32', new Float32Array(0), [
    1,
    dimensions.kvHeads,
    0,
    dimensions.headDim,
  ]);
  const perRun: number[] = [];
  for (let run = 0; run < runs; run++) {
    const prompt = Array.from(
      { length: promptTokens },
      (_, i) => (run * 7919 + i * 104_729) % dimensions.vocabSize,
    );
    let past: Record<string, Tensor> = {};
    for (let layer = 0; layer < dimensions.layers; layer++) {
      past[`past_key_values.${layer}.key`] = emptyPast;
      past[`past_key_values.${layer}.value`] = emptyPast;
    }
    let pending = prompt;
    let length = 0;
    let decodeStart = 0;
    for (let step = 0; step <= decodeTokens; step++) {
      if (step === 1) decodeStart = performance.now();
      const outputs = await session.run({
        input_ids: int64(pending),
        attention_mask: int64(new Array<number>(length + pending.length).fill(1)),
        position_ids: int64(pending.map((_, i) => length + i)),
        ...past,
      });
      length += pending.length;
      past = {};
      for (const [name, tensor] of Object.entries(outputs)) {
        if (name.startsWith('present')) past[name.replace('present', 'past_key_values')] = tensor as Tensor;
      }
      const logits = outputs.logits!.data as Float32Array;
      const row = logits.subarray(logits.length - dimensions.vocabSize);
      let best = 0;
      for (let v = 1; v < row.length; v++) if (row[v]! > row[best]!) best = v;
      pending = [best];
    }
    const seconds = (performance.now() - decodeStart) / 1000;
    perRun.push(decodeTokens / seconds);
  }
  await session.release();
  return { perRun, loadSeconds };
}

const { parameters, streamedBytes } = await ensureModel();
const bandwidth = await measureBandwidth();
const decoding = await measureDecoding();
const tokensPerSecond = median(decoding.perRun);
const best = Math.max(bandwidth.reduce.median, bandwidth.copy.median);
const ceiling = best / streamedBytes;
const gb = (r: Rate) =>
  `${(r.median / 1e9).toFixed(2)} GB/s (min ${(r.min / 1e9).toFixed(2)}, max ${(r.max / 1e9).toFixed(2)})`;
console.log(
  `\nLLM decoding, Qwen2.5-0.5B shape with random weights (${(parameters / 1e6).toFixed(0)} M parameters, fp32), ` +
    `${threads} intra-op threads, batch 1, prompt ${promptTokens} tokens, ${decodeTokens} decode steps per run, ${runs} runs`,
);
console.log(`  session load (from the cache): ${decoding.loadSeconds.toFixed(1)} s`);
console.log(
  `  decode: median ${tokensPerSecond.toFixed(2)} tokens/s (runs: ${decoding.perRun.map((v) => v.toFixed(2)).join(', ')})`,
);
console.log(`  memory bandwidth, onnxruntime ReduceSum over 512 MB, median of 7: ${gb(bandwidth.reduce)}`);
console.log(`  memory bandwidth, 512 MB memcpy (read + write), median of 7: ${gb(bandwidth.copy)}`);
console.log(
  `  ceiling: ${(best / 1e9).toFixed(2)} GB/s / ${(streamedBytes / 1e9).toFixed(2)} GB of weights per token = ` +
    `${ceiling.toFixed(2)} tokens/s`,
);
console.log(`  ratio decode / ceiling: ${((tokensPerSecond / ceiling) * 100).toFixed(0)} %`);
