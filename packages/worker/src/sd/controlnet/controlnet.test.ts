import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  parseTaskArgs,
  type SdTaskArgs,
  type SdTaskArgsInput,
  sdTaskArgsSchema,
} from '@verinet/protocol/args';
import sharp from 'sharp';
import type { RunContext } from '../../backend/types.js';
import { createGraphBuilder } from '../../onnx/index.js';
import { SdUnsupportedArgumentError } from '../errors.js';
import {
  createTinyLoraPairs,
  encodeTinyLora,
  writeTinyAdapterModel,
  writeTinyAdapterSdModel,
} from '../lora/tiny.js';
import { createSdBackend } from '../sdBackend.js';
import { assertGolden } from '../tiny/assertGolden.js';
import { prepareControlImage, SdControlnetError } from './index.js';
import { writeTinyControlnetModel, writeTinyControlnetSdModel } from './tiny.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const modelId = 'verinet/tiny-sd-controlnet';
let root: string;
let modelsDir: string;
const backend1 = createSdBackend();
const backend2 = createSdBackend();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
let squareUrl: string;
let photoUrl: string;

/** A PNG data URL of an RGB image drawn by `pixel`. */
async function dataUrl(
  width: number,
  height: number,
  pixel: (x: number, y: number, c: number) => number,
): Promise<string> {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = pixel(x, y, c);
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

function makeArgs(rest: Partial<SdTaskArgsInput> = {}, model = modelId): SdTaskArgs {
  return sdTaskArgsSchema.parse({
    base_model: model,
    prompt: 'a red cat, the dog',
    negative_prompt: 'bed',
    task_config: { image_width: 64, image_height: 64, steps: 3, seed: 42, num_images: 1, cfg: 7 },
    ...rest,
  });
}

const control = (
  extra: Partial<NonNullable<SdTaskArgsInput['controlnet']>> = {},
): Partial<SdTaskArgsInput> => ({
  controlnet: { model: 'test/controlnet', image_dataurl: squareUrl, weight: 100, ...extra },
});

let runCount = 0;
async function run(args: SdTaskArgs, threads = 1, backend = backend1): Promise<string> {
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
  const [file] = await backend.run(args, ctx);
  return sha256(new Uint8Array(await sharp(file!.path).removeAlpha().raw().toBuffer()));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-controlnet-'));
  modelsDir = join(root, 'models');
  await writeTinyControlnetSdModel({ modelsDir, modelId, seed: 1 });
  await writeTinyControlnetModel({ modelsDir, modelId: 'test/controlnet', seed: 5 });
  squareUrl = await dataUrl(64, 64, (x, y) => (x >= 16 && x < 48 && y >= 20 && y < 44 ? 255 : 0));
  photoUrl = await dataUrl(96, 80, (x, y, c) =>
    (x - 40) ** 2 + (y - 38) ** 2 < 600 ? [220, 60, 30][c]! : (x * 2 + y + 40 * c) % 256,
  );
}, setupTimeout);

after(async () => {
  await backend1.dispose();
  await backend2.dispose();
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

describe('prepareControlImage', () => {
  it('gives value / 255 per channel, [3, h, w], for an image of the task size', async () => {
    const url = await dataUrl(8, 8, (x, y, c) => (x * 8 + y + c * 64) % 256);
    const cond = await prepareControlImage({ dataUrl: url, width: 8, height: 8 });
    assert.equal(cond.length, 3 * 64);
    assert.equal(cond[0], Math.fround(0 / 255));
    assert.equal(cond[1], Math.fround(8 / 255)); // x = 1, y = 0, c = 0
    assert.equal(cond[64 + 8], Math.fround((1 + 64) / 255)); // c = 1, y = 1, x = 0
  });

  it('runs canny at the image size, then resizes with Pillow Lanczos; refuses other preprocessors and args by name', async () => {
    const edges = await prepareControlImage({
      dataUrl: photoUrl,
      width: 64,
      height: 64,
      preprocess: { method: 'canny', args: {} },
    });
    assert.equal(edges.length, 3 * 64 * 64);
    assert.deepEqual(edges.slice(0, 4096), edges.slice(4096, 8192), 'the edge map is grey');
    assert.ok(edges.some((v) => v > 0.5) && edges.some((v) => v === 0));
    const stricter = await prepareControlImage({
      dataUrl: photoUrl,
      width: 64,
      height: 64,
      preprocess: { method: 'canny', args: { low_threshold: 900, high_threshold: 1000 } },
    });
    assert.notDeepEqual(stricter, edges);
    await assert.rejects(
      prepareControlImage({
        dataUrl: photoUrl,
        width: 64,
        height: 64,
        preprocess: { method: 'openpose', args: {} },
      }),
      (e) =>
        e instanceof SdUnsupportedArgumentError &&
        /controlnet\.preprocess\.method.*openpose/s.test((e as Error).message),
    );
    await assert.rejects(
      prepareControlImage({
        dataUrl: photoUrl,
        width: 64,
        height: 64,
        preprocess: { method: 'canny', args: { sigma: 2 } },
      }),
      /controlnet\.preprocess\.args\.sigma/,
    );
    await assert.rejects(
      prepareControlImage({ dataUrl: 'data:image/png;base64,iVBORw0KGgo=', width: 64, height: 64 }),
      (e) =>
        e instanceof SdUnsupportedArgumentError &&
        /controlnet\.image_dataurl.*cannot be decoded/s.test((e as Error).message),
    );
  });
});

// Golden ControlNet images on the tiny model (seed 42, 64×64, 3 steps, cfg 7, DDIM): sha256 of the RGB pixels.
const golden = {
  square: [
    'dd4d10e1d5d6e3bced5da1da712ad25c5582f4de7b888ea72eed241be919ea45',
    'f68250c1f7e254e0be3fb5ba4e7b6df356ceac7fb086f423b0f570ebbc3e1249',
  ],
  cannyPhoto: [
    'fbdac57d5fe2c99616afc0d95d6fb5dffeb4dc544476126861d47eda3796a40b',
    '29acafe5b80258a87ff478e8a83e2d9ee072034a8f5bf4a05e5dc20d9addcf32',
  ],
};

describe('ControlNet in the SD backend', () => {
  it('weight 0 gives the image without ControlNet; weight 100 differs; golden; runs and 1 vs 2 threads agree', async () => {
    const plain = await run(makeArgs());
    assert.equal(await run(makeArgs(control({ weight: 0 }))), plain);
    const controlled = await run(makeArgs(control()));
    assert.notEqual(controlled, plain);
    assert.notEqual(await run(makeArgs(control({ weight: 50 }))), controlled);
    assert.equal(await run(makeArgs(control())), controlled);
    assert.equal(await run(makeArgs(control()), 2, backend2), controlled);
    assertGolden(controlled, golden.square);
  });

  it('uses the canny map of a conditioning image of another size; deterministic', async () => {
    const args = makeArgs(
      control({ image_dataurl: photoUrl, preprocess: { method: 'canny', args: { low_threshold: 80 } } }),
    );
    const image = await run(args);
    assert.notEqual(image, await run(makeArgs(control({ image_dataurl: photoUrl }))));
    assert.equal(await run(args, 2, backend2), image);
    assertGolden(image, golden.cannyPhoto);
  });

  it('composes with a LoRA on the UNet (merged into the residual UNet too)', async () => {
    await writeTinyAdapterModel({
      modelsDir,
      modelId: 'test/unet-lora',
      files: {
        'l.safetensors': encodeTinyLora(
          createTinyLoraPairs({
            seed: 3,
            targets: [
              {
                component: 'unet',
                module: 'down_blocks.0.resnets.0.conv1',
                outFeatures: 32,
                inFeatures: 32,
                kernel: 3,
              },
            ],
          }),
          'kohya',
        ),
      },
    });
    const controlled = await run(makeArgs(control()));
    const both = await run(makeArgs({ ...control(), lora: { model: 'test/unet-lora' } }));
    assert.notEqual(both, controlled);
    assert.notEqual(both, await run(makeArgs({ lora: { model: 'test/unet-lora' } })));
  });

  it('runs with an init image (ControlNet img2img) and refuses ControlNet with inpainting by name', async () => {
    const init = {
      image_dataurl: await dataUrl(64, 64, (x, y, c) => (x * 4 + y * 2 + c * 50) % 256),
      strength: 60,
    };
    const img2img = await run(makeArgs({ version: '1.1.0', init_image: init }));
    const both = await run(makeArgs({ version: '1.1.0', init_image: init, ...control() }));
    assert.notEqual(both, img2img);
    assert.equal(
      await run(makeArgs({ version: '1.1.0', init_image: init, ...control({ weight: 0 }) })),
      img2img,
    );
    assert.equal(
      await run(makeArgs({ version: '1.1.0', init_image: init, ...control() }), 2, backend2),
      both,
    );
    await assert.rejects(
      run(
        makeArgs({
          version: '1.1.0',
          inpaint: { image_dataurl: init.image_dataurl, mask_dataurl: squareUrl },
          ...control(),
        }),
      ),
      (e) => e instanceof SdUnsupportedArgumentError && /"controlnet".*inpaint/s.test((e as Error).message),
    );
  });

  it('refuses by name: a base model without unet_controlnet, a ControlNet graph without the residual outputs, a variant', async () => {
    await writeTinyAdapterSdModel({ modelsDir, modelId: 'verinet/plain' });
    await assert.rejects(
      run(makeArgs(control(), 'verinet/plain')),
      (e) =>
        e instanceof SdControlnetError &&
        /verinet\/plain.*unet_controlnet\/model\.onnx.*is missing/s.test((e as Error).message),
    );
    const g = createGraphBuilder({ name: 'bad' });
    for (const name of [
      'sample',
      'timestep',
      'encoder_hidden_states',
      'controlnet_cond',
      'conditioning_scale',
    ])
      g.output(
        g.input(
          name,
          'float32',
          name === 'timestep' || name === 'conditioning_scale'
            ? [1]
            : [1, 1, 1, 1].slice(0, name === 'encoder_hidden_states' ? 3 : 4),
        ),
        'float32',
        [1],
        `${name}_out`,
      );
    await writeTinyAdapterModel({
      modelsDir,
      modelId: 'test/bad-controlnet',
      files: { 'model.onnx': g.toBytes() },
    });
    await assert.rejects(
      run(makeArgs(control({ model: 'test/bad-controlnet' }))),
      (e) =>
        e instanceof SdControlnetError &&
        /test\/bad-controlnet.*no down_block_res_samples_<i> outputs/s.test((e as Error).message),
    );
    await assert.rejects(run(makeArgs(control({ variant: 'fp16' }))), /controlnet\.variant/);
  });

  it('is accepted from task version 1.1.0 and refused by name before it', () => {
    const input = {
      version: '1.1.0',
      base_model: modelId,
      prompt: 'x',
      controlnet: { model: 'a/b', image_dataurl: 'data:image/png;base64,AA==' },
    };
    assert.equal(parseTaskArgs('sd', input).controlnet?.weight, 100);
    assert.throws(() => parseTaskArgs('sd', { ...input, version: '1.0.0' }), /controlnet.*1\.1\.0/s);
  });
});
