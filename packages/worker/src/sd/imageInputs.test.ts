import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseTaskArgs, type SdTaskArgs, type SdTaskArgsInput } from '@verinet/protocol/args';
import sharp from 'sharp';
import type { Progress, RunContext } from '../backend/types.js';
import { getModelDir } from '../models/index.js';
import { createSdBackend, loadSdModel } from './index.js';
import { getStartIndex } from './pipeline/prepareStart.js';
import { toBinaryMask, toVaeInput } from './pipeline/preprocessImage.js';
import { assertGolden } from './tiny/assertGolden.js';
import { writeTinySdModel } from './tiny/index.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

// Image-to-image and inpainting on tiny generated models (random weights, real diffusers ONNX layout with a
// VAE encoder; the inpainting model has a 9-channel UNet). Golden hashes were recorded on this project's
// AMD EPYC machine; see sdBackend.test.ts about kernels on other CPUs.

let root: string;
let modelsDir: string;
const backend1 = createSdBackend();
const backend2 = createSdBackend();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function pngDataUrl(width: number, height: number, pixel: (x: number, y: number) => number[]) {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set(pixel(x, y), (y * width + x) * 3);
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

let gradient: string;
let stripes: string;
let leftMask: string;
let topMask: string;

function args(
  rest: Partial<SdTaskArgsInput>,
  config: Partial<SdTaskArgsInput['task_config']> = {},
): SdTaskArgs {
  return parseTaskArgs('sd', {
    version: '1.1.0',
    base_model: 'verinet/tiny-sd',
    prompt: 'a red cat, the dog',
    negative_prompt: 'bed',
    task_config: { image_width: 64, image_height: 64, steps: 4, seed: 42, num_images: 1, cfg: 7, ...config },
    ...rest,
  });
}

let runCount = 0;
async function context(threads: number, extra: Partial<RunContext> = {}): Promise<RunContext> {
  const outputDir = join(root, `out-${runCount++}`);
  await mkdir(outputDir);
  return {
    outputDir,
    modelsDir,
    threads,
    executionProvider: 'cpu',
    onProgress: () => {},
    signal: new AbortController().signal,
    ...extra,
  };
}

async function run(task: SdTaskArgs, threads = 1, backend = backend1, extra: Partial<RunContext> = {}) {
  const files = await backend.run(task, await context(threads, extra));
  return Promise.all(
    files.map(async (f) => new Uint8Array(await sharp(f.path).removeAlpha().raw().toBuffer())),
  );
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-sd-images-'));
  modelsDir = join(root, 'models');
  await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd', seed: 1 });
  await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd-inpaint', seed: 5, kind: 'inpaint' });
  gradient = await pngDataUrl(64, 64, (x, y) => [x * 4, y * 4, 128]);
  stripes = await pngDataUrl(64, 64, (x) => (x % 16 < 8 ? [255, 255, 255] : [0, 0, 64]));
  leftMask = await pngDataUrl(64, 64, (x) => (x < 32 ? [255, 255, 255] : [0, 0, 0]));
  topMask = await pngDataUrl(64, 64, (_, y) => (y < 16 ? [255, 255, 255] : [0, 0, 0]));
}, setupTimeout);

after(async () => {
  await backend1.dispose();
  await backend2.dispose();
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

describe('image preprocessing (diffusers semantics)', () => {
  it('normalizes to [-1, 1] planar float32, binarizes masks with PIL luma at 128, starts at t_start', () => {
    const pixels = toVaeInput(Uint8Array.from([0, 255, 128, 10, 20, 30]), 2, 1);
    assert.deepEqual(Array.from(pixels), [
      -1,
      Math.fround(2 * Math.fround(10 / 255) - 1),
      1,
      Math.fround(2 * Math.fround(20 / 255) - 1),
      Math.fround(2 * Math.fround(128 / 255) - 1),
      Math.fround(2 * Math.fround(30 / 255) - 1),
    ]);
    // Luma 127 stays, 128 repaints; pure red is luma 76.
    assert.deepEqual(
      Array.from(toBinaryMask(Uint8Array.from([127, 127, 127, 128, 128, 128, 255, 0, 0]), 3, 1)),
      [0, 1, 0],
    );
    // diffusers: init_timestep = min(int(steps · strength), steps), start = steps − init_timestep.
    assert.deepEqual(
      [getStartIndex(10, 80), getStartIndex(10, 100), getStartIndex(4, 30), getStartIndex(3, 99)],
      [2, 0, 3, 1],
    );
    assert.throws(() => getStartIndex(4, 20), { name: 'SdUnsupportedArgumentError' });
  });

  it('the tiny models carry a VAE encoder with latent_parameters, the inpainting one a 9-channel UNet', async () => {
    assert.ok((await readdir(getModelDir(modelsDir, 'verinet/tiny-sd'))).includes('vae_encoder'));
    const model = await loadSdModel({
      modelsDir,
      modelId: 'verinet/tiny-sd-inpaint',
      threads: 1,
      executionProvider: 'cpu',
    });
    try {
      assert.equal(model.unetInChannels, 9);
      assert.equal(model.vaeEncoder?.output, 'latent_parameters');
    } finally {
      await model.release();
    }
  });
});

// sha256 of the raw RGB pixels of image 0.
const golden = {
  legacyInpaint: [
    '292b128447013fbcced1639d58d1776928c720ad5d20b8be49ee26719c9188a8',
    '133a0cc81b142dbe37fe1e4b24209c715c3c23d64b6e9b5bc2126800cf46a597',
  ],
  img2img: [
    '22b39c3beb5e2705f3a87c0fa1418e0e1c1b36ee723585454d91f93c05d1c067',
    'b286e5b3bbe0621774133f508e9a852606c60d2b7ea5997745f2d23c7978615d',
  ],
  inpaint: [
    '978608cf87f6666b799ce4069d796b0e7d6fcea332e5a0a1bd29dc05b7e89d13',
    '46ff0726d831c0dacf8b275b1f271cd2dae388f8405ebae7735c341f2b8824fa',
  ],
};

describe('image-to-image', () => {
  it('golden pixels, identical across runs and across 1 and 2 intra-op threads', async () => {
    const task = args({ init_image: { image_dataurl: gradient, strength: 75 } });
    const [first] = await run(task);
    const [again] = await run(task);
    const [two] = await run(task, 2, backend2);
    assert.equal(sha256(again!), sha256(first!));
    assert.equal(sha256(two!), sha256(first!));
    assertGolden(sha256(first!), golden.img2img);
  });

  it('runs floor(steps · strength / 100) UNet steps from the noised image; image, strength and seed matter', async () => {
    const progress: Progress[] = [];
    const base = args({ init_image: { image_dataurl: gradient, strength: 50 } }, { steps: 6 });
    const [half] = await run(base, 1, backend1, { onProgress: (p) => progress.push(p) });
    assert.deepEqual(
      progress.map((p) => [p.step, p.total]),
      [
        [1, 3],
        [2, 3],
        [3, 3],
      ],
    );
    const hashes = new Set([
      sha256(half!),
      sha256((await run(args({ init_image: { image_dataurl: stripes, strength: 50 } }, { steps: 6 })))[0]!),
      sha256((await run(args({ init_image: { image_dataurl: gradient, strength: 90 } }, { steps: 6 })))[0]!),
      sha256(
        (
          await run(args({ init_image: { image_dataurl: gradient, strength: 50 } }, { steps: 6, seed: 43 }))
        )[0]!,
      ),
      sha256((await run(args({}, { steps: 6 })))[0]!),
    ]);
    assert.equal(hashes.size, 5);
  });

  it('works with every scheduler but LCM (refused by the parser), and is refused on an inpainting model', async () => {
    for (const method of ['PNDM', 'EulerDiscrete', 'EulerAncestralDiscrete', 'DPMSolverMultistep'] as const) {
      const [image] = await run(
        args({ scheduler: { method }, init_image: { image_dataurl: gradient, strength: 60 } }),
      );
      assert.equal(image!.length, 64 * 64 * 3);
    }
    assert.throws(() => args({ scheduler: { method: 'LCM' }, init_image: { image_dataurl: gradient } }), {
      name: 'InvalidTaskArgsError',
    });
    await assert.rejects(
      run(args({ base_model: 'verinet/tiny-sd-inpaint', init_image: { image_dataurl: gradient } })),
      { name: 'SdUnsupportedArgumentError', message: /inpainting model/ },
    );
  });

  it('the parser refuses images of another size, non-PNG data, too small a strength, and 1.0.0 tasks', async () => {
    const small = await pngDataUrl(32, 64, () => [0, 0, 0]);
    const refused = (input: Partial<SdTaskArgsInput>, field: string) =>
      assert.throws(
        () => args(input),
        (error: Error & { field?: string }) => {
          assert.equal(error.field, field);
          return true;
        },
      );
    refused({ init_image: { image_dataurl: small } }, 'init_image.image_dataurl');
    refused({ init_image: { image_dataurl: 'data:image/png;base64,AAAA' } }, 'init_image.image_dataurl');
    refused(
      { init_image: { image_dataurl: gradient.replace('image/png', 'image/jpeg') } },
      'init_image.image_dataurl',
    );
    refused({ init_image: { image_dataurl: gradient, strength: 20 } }, 'init_image.strength');
    refused({ version: '1.0.0', init_image: { image_dataurl: gradient } }, 'init_image');
    refused(
      {
        init_image: { image_dataurl: gradient },
        inpaint: { image_dataurl: gradient, mask_dataurl: leftMask },
      },
      'inpaint',
    );
  });
});

describe('inpainting (9-channel UNet)', () => {
  const inpaint = (rest: Partial<NonNullable<SdTaskArgsInput['inpaint']>> = {}, config = {}) =>
    args(
      {
        base_model: 'verinet/tiny-sd-inpaint',
        inpaint: { image_dataurl: gradient, mask_dataurl: leftMask, ...rest },
      },
      config,
    );

  it('golden pixels, identical across runs and across 1 and 2 intra-op threads', async () => {
    const [first] = await run(inpaint());
    const [again] = await run(inpaint());
    const [two] = await run(inpaint(), 2, backend2);
    assert.equal(sha256(again!), sha256(first!));
    assert.equal(sha256(two!), sha256(first!));
    assertGolden(sha256(first!), golden.inpaint);
  });

  it('the mask, the image and the strength change the result; an inpainting model refuses other tasks', async () => {
    const hashes = new Set([
      sha256((await run(inpaint()))[0]!),
      sha256((await run(inpaint({ mask_dataurl: topMask })))[0]!),
      sha256((await run(inpaint({ image_dataurl: stripes })))[0]!),
      sha256((await run(inpaint({ strength: 60 })))[0]!),
    ]);
    assert.equal(hashes.size, 4);
    await assert.rejects(run(args({ base_model: 'verinet/tiny-sd-inpaint' })), {
      name: 'SdUnsupportedArgumentError',
    });
  });
});

describe('legacy inpainting (4-channel UNet, mask blending)', () => {
  const legacy = (prompt: string, strength = 100) =>
    args({ prompt, inpaint: { image_dataurl: gradient, mask_dataurl: leftMask, strength } });

  it('golden pixels, identical across runs and across 1 and 2 intra-op threads', async () => {
    const [first] = await run(legacy('a red cat'));
    assert.equal(sha256((await run(legacy('a red cat')))[0]!), sha256(first!));
    assert.equal(sha256((await run(legacy('a red cat'), 2, backend2))[0]!), sha256(first!));
    assertGolden(sha256(first!), golden.legacyInpaint);
  });

  it('keeps the image latents outside the mask: the far right columns do not depend on the prompt', async () => {
    // Left half masked (latent columns 0-3 repainted); the tiny VAE decoder sees about two latent pixels
    // around each output pixel, so the last 8 pixel columns decode the image's own latents.
    const columns = (rgb: Uint8Array) =>
      Array.from({ length: 64 }, (_, y) => rgb.subarray((y * 64 + 56) * 3, (y * 64 + 64) * 3).join(',')).join(
        ';',
      );
    for (const strength of [100, 60]) {
      const [a] = await run(legacy('a red cat', strength));
      const [b] = await run(legacy('the dog', strength));
      assert.notEqual(sha256(a!), sha256(b!));
      assert.equal(columns(a!), columns(b!));
    }
  });
});
