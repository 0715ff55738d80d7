import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseTaskArgs, type SdTaskArgs, type SdTaskArgsInput } from '@verinet/protocol/args';
import sharp from 'sharp';
import type { RunContext } from '../backend/types.js';
import { createManifest, getModelDir, writeManifest } from '../models/index.js';
import { createSdBackend, loadSdModel } from './index.js';
import { writeTinySdModel } from './tiny/index.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// Stable Diffusion 2.x (768-v) on a tiny model of its shape: v-prediction DDIM scheduler config as
// stabilityai/stable-diffusion-2-1 ships it, `!` padding, a wider text encoder whose last_hidden_state is
// what SD 2's export calls it (the penultimate OpenCLIP layer, baked into the graph), unet sample_size 96.

let root: string;
let modelsDir: string;
const backend1 = createSdBackend();
const backend2 = createSdBackend();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const modelId = 'verinet/tiny-sd2';

function args(
  config: Partial<SdTaskArgsInput['task_config']> = {},
  rest: Partial<SdTaskArgsInput> = {},
): SdTaskArgs {
  return parseTaskArgs('sd', {
    base_model: modelId,
    prompt: 'a red cat, the dog',
    negative_prompt: 'bed',
    task_config: { image_width: 64, image_height: 64, steps: 3, seed: 42, num_images: 1, cfg: 7, ...config },
    ...rest,
  });
}

let runCount = 0;
async function run(task: SdTaskArgs, threads = 1, backend = backend1): Promise<Uint8Array> {
  const outputDir = join(root, `out-${runCount++}`);
  await mkdir(outputDir);
  const ctx: RunContext = {
    outputDir,
    modelsDir,
    threads,
    executionProvider: 'cpu',
    onProgress: () => {},
    signal: new AbortController().signal,
  };
  const [file] = await backend.run(task, ctx);
  return new Uint8Array(await sharp(file!.path).removeAlpha().raw().toBuffer());
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-sd2-'));
  modelsDir = join(root, 'models');
  await writeTinySdModel({ modelsDir, modelId, seed: 7, kind: 'sd2' });
}, setupTimeout);

after(async () => {
  await backend1.dispose();
  await backend2.dispose();
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

// sha256 of the raw RGB pixels (64×64, 3 steps, DDIM v-prediction), recorded on this project's AMD EPYC machine.
const golden = 'bba2580048bf0b19bd2122dee26f9af695bbd42589b9af40e745fc63d30103ce';

describe('Stable Diffusion 2.x shape (v-prediction)', () => {
  it('loads with v-prediction, `!` padding, a wider text encoder and a 768-pixel native size', async () => {
    const model = await loadSdModel({ modelsDir, modelId, threads: 1, executionProvider: 'cpu' });
    try {
      assert.equal(model.schedulerConfig.prediction_type, 'v_prediction');
      assert.deepEqual(model.defaultImageSize, { width: 768, height: 768 });
      const ids = model.tokenizer.encode('cat');
      const vocab = JSON.parse(
        await readFile(join(getModelDir(modelsDir, modelId), 'tokenizer/vocab.json'), 'utf8'),
      );
      assert.equal(ids[76], vocab['!']);
    } finally {
      await model.release();
    }
  });

  it('golden pixels, identical across runs and across 1 and 2 intra-op threads', async () => {
    const first = await run(args());
    assert.equal(sha256(await run(args())), sha256(first));
    assert.equal(sha256(await run(args(), 2, backend2)), sha256(first));
    assert.equal(sha256(first), golden);
  });

  it('the v-prediction config is honoured (an epsilon copy of the model gives another image)', async () => {
    const id = 'verinet/tiny-sd2-epsilon';
    await writeTinySdModel({ modelsDir, modelId: id, seed: 7, kind: 'sd2' });
    const dir = getModelDir(modelsDir, id);
    const path = join(dir, 'scheduler/scheduler_config.json');
    const config = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...config, prediction_type: 'epsilon' }));
    await writeManifest(dir, await createManifest(dir, id, 'sd'));
    assert.notEqual(sha256(await run(args({}, { base_model: id }))), sha256(await run(args())));
  });

  it('runs every scheduler with v-prediction and at its native 768×768, identical across thread counts', async () => {
    for (const method of [
      'PNDM',
      'EulerDiscrete',
      'EulerAncestralDiscrete',
      'DPMSolverMultistep',
      'LCM',
    ] as const) {
      const image = await run(args({ steps: 2 }, { version: '1.1.0', scheduler: { method } }));
      assert.ok(new Set(image).size > 50, method);
    }
    // Task version 1.2.0 without a size runs at the model's own size (768, diffusers' default for it); the
    // same image as an explicit 768×768 task, also with 2 threads.
    const native = args({ image_width: undefined, image_height: undefined, steps: 1 }, { version: '1.2.0' });
    assert.equal(native.task_config.image_width, undefined);
    const one = await run(native);
    assert.equal(one.length, 768 * 768 * 3);
    assert.equal(
      sha256(await run(args({ image_width: 768, image_height: 768, steps: 1 }), 2, backend2)),
      sha256(one),
    );
  });

  it("defaults the size as diffusers for every model: unet sample_size × the VAE's scale factor", async () => {
    const size = async (id: string, files: Record<string, unknown>) => {
      const dir = await writeTinySdModel({ modelsDir, modelId: id, seed: 1 });
      for (const [file, json] of Object.entries(files))
        await writeFile(join(dir, file), JSON.stringify(json));
      await writeManifest(dir, await createManifest(dir, id, 'sd'));
      const model = await loadSdModel({ modelsDir, modelId: id, threads: 1, executionProvider: 'cpu' });
      await model.release();
      return model.defaultImageSize;
    };
    // SD 1.5 (sample_size 64), SDXL (128), a rectangular sample, a 3-block VAE (scale 4), no unet config (64).
    assert.deepEqual(await size('t/sd15', { 'unet/config.json': { sample_size: 64 } }), {
      width: 512,
      height: 512,
    });
    assert.deepEqual(await size('t/sdxl', { 'unet/config.json': { sample_size: 128 } }), {
      width: 1024,
      height: 1024,
    });
    assert.deepEqual(await size('t/wide', { 'unet/config.json': { sample_size: [64, 96] } }), {
      width: 768,
      height: 512,
    });
    assert.deepEqual(
      await size('t/vae3', {
        'unet/config.json': { sample_size: 64 },
        'vae_decoder/config.json': { block_out_channels: [8, 16, 32] },
      }),
      { width: 256, height: 256 },
    );
    assert.deepEqual(await size('t/plain', {}), { width: 512, height: 512 });
    await assert.rejects(size('t/huge', { 'unet/config.json': { sample_size: 512 } }), /4096×4096/);
  });
});
