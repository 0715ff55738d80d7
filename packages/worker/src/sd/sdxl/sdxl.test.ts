import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  parseTaskArgs,
  type SdTaskArgs,
  type SdTaskArgsInput,
  sdTaskArgsSchema,
} from '@verinet/protocol/args';
import { Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import type { RunContext } from '../../backend/types.js';
import { createManifest, writeManifest } from '../../models/index.js';
import { SdUnsupportedArgumentError } from '../errors.js';
import { loadSdModel } from '../model/loadSdModel.js';
import { getDenoisingEndIndex } from '../pipeline/generateImages.js';
import { createScheduler } from '../schedulers/index.js';
import { createSdBackend } from '../sdBackend.js';
import { assertGolden } from '../tiny/assertGolden.js';
import { writeTinySdModel } from '../tiny/index.js';
import { createSdxlHooks, getRefinerStart, getSdxlTimeIds, loadSdxl, SdxlModelError } from './index.js';
import { sdxlSchedulerConfig, writeTinySdxlModel, writeTinySdxlRefiner } from './tiny.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const modelId = 'verinet/tiny-sdxl';
const refinerId = 'verinet/tiny-sdxl-refiner';
let root: string;
let modelsDir: string;
let modelDir: string;
const backend1 = createSdBackend();
const backend2 = createSdBackend();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function makeArgs(
  rest: Partial<SdTaskArgsInput> = {},
  config: Partial<SdTaskArgsInput['task_config']> = {},
): SdTaskArgs {
  return sdTaskArgsSchema.parse({
    base_model: modelId,
    prompt: 'a red cat, the dog',
    task_config: { image_width: 64, image_height: 64, steps: 3, seed: 42, num_images: 1, cfg: 7, ...config },
    scheduler: { method: 'EulerDiscrete' },
    ...rest,
  });
}

let runCount = 0;
async function run(
  args: SdTaskArgs,
  threads = 1,
  backend = backend1,
  onProgress: RunContext['onProgress'] = () => {},
): Promise<string> {
  const outputDir = join(root, `out-${runCount++}`);
  await mkdir(outputDir);
  const ctx: RunContext = {
    outputDir,
    modelsDir,
    threads,
    executionProvider: 'cpu',
    onProgress,
    signal: new AbortController().signal,
  };
  const [file] = await backend.run(args, ctx);
  return sha256(new Uint8Array(await sharp(file!.path).removeAlpha().raw().toBuffer()));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-sdxl-'));
  modelsDir = join(root, 'models');
  modelDir = await writeTinySdxlModel({ modelsDir, modelId, seed: 1 });
  await writeTinySdxlRefiner({ modelsDir, modelId: refinerId, seed: 5 });
}, setupTimeout);

after(async () => {
  await backend1.dispose();
  await backend2.dispose();
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

describe('SDXL conditioning', () => {
  it('joins the penultimate hidden states of both encoders and pools text_embeds of encoder 2', async () => {
    const base = await loadSdModel({ modelsDir, modelId, threads: 1, executionProvider: 'cpu' });
    const parts = await loadSdxl({ base, threads: 1, executionProvider: 'cpu' });
    try {
      const { states, pooled } = await parts.encode('a red cat');
      assert.deepEqual(states.dims, [1, 77, 80]);
      assert.equal(pooled.length, 48);
      const ids = Int32Array.from(base.tokenizer.encode('a red cat'));
      const out1 = await base.textEncoder.run({ input_ids: new Tensor('int32', ids, [1, 77]) }, [
        'hidden_states.1',
      ]);
      const first = out1['hidden_states.1']!.data as Float32Array;
      // Token 5, features 0..31 come from encoder 1's hidden_states[-2] (hidden_states.1 of 0..2).
      assert.deepEqual(
        Array.from(states.data.slice(5 * 80, 5 * 80 + 32)),
        Array.from(first.slice(5 * 32, 6 * 32)),
      );
      assert.ok(states.data.slice(5 * 80 + 32, 6 * 80).some((v) => v !== 0));

      const hooks = createSdxlHooks({ model: base, parts, width: 64, height: 96 });
      const negative = await hooks.encodePrompt('', 'negative');
      assert.ok(
        negative.data.every((v) => v === 0),
        'force_zeros_for_empty_prompt: empty negative prompt is zeros',
      );
      const nonEmpty = await hooks.encodePrompt('bed', 'negative');
      assert.ok(nonEmpty.data.some((v) => v !== 0));
      assert.deepEqual(Array.from(getSdxlTimeIds({ width: 64, height: 96 })), [96, 64, 0, 0, 96, 64]);

      // The same latents and states through the UNet with the time_ids of two sizes: the size conditioning acts.
      await hooks.encodePrompt('a red cat', 'prompt');
      const other = createSdxlHooks({ model: base, parts, width: 64, height: 64 });
      await other.encodePrompt('a red cat', 'prompt');
      const feeds = () => ({
        sample: new Tensor(
          'float32',
          Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)),
          [1, 4, 4, 4],
        ),
        timestep: new Tensor('float32', Float32Array.of(500), [1]),
        encoder_hidden_states: new Tensor('float32', states.data, [1, 77, 80]),
      });
      const a = Array.from((await hooks.runUnet(feeds())).data as Float32Array);
      const b = Array.from((await other.runUnet(feeds())).data as Float32Array);
      assert.notDeepEqual(a, b);
    } finally {
      await parts.release();
      await base.release();
    }
  });

  it('refuses by name a folder whose UNet or encoders lack the SDXL interface', async () => {
    const sd15 = await writeTinySdModel({ modelsDir, modelId: 'verinet/fake-sdxl', seed: 1 });
    await cp(join(modelDir, 'text_encoder_2'), join(sd15, 'text_encoder_2'), { recursive: true });
    await cp(join(modelDir, 'tokenizer_2'), join(sd15, 'tokenizer_2'), { recursive: true });
    await writeManifest(sd15, await createManifest(sd15, 'verinet/fake-sdxl', 'sd'));
    await assert.rejects(
      run(makeArgs({ base_model: 'verinet/fake-sdxl' })),
      (e) =>
        e instanceof SdxlModelError &&
        /fake-sdxl.*text_encoder\/model\.onnx.*hidden_states/s.test((e as Error).message),
    );
  });
});

// Golden SDXL image on the tiny model (seed 42, 64×64, 3 Euler steps, cfg 7): sha256 of the RGB pixels.
const golden = [
  '81de550a3dc7d3e5ae46486099c6559db1d1ca54cfa3f04aa6b1672a36a6b864',
  '5a0a19557b216b3815f060f917f6bba3ef38613605f31ac65197c1d97c7dd19a',
];

describe('SDXL in the SD backend', () => {
  it('golden; runs and 1 vs 2 threads agree; the prompt, the size conditioning and guidance matter', async () => {
    const image = await run(makeArgs());
    assert.equal(await run(makeArgs()), image);
    assert.equal(await run(makeArgs(), 2, backend2), image);
    assert.notEqual(await run(makeArgs({ prompt: 'the dog' })), image);
    assert.notEqual(
      await run(makeArgs({ negative_prompt: 'bed' })),
      image,
      'a negative prompt replaces the zeros',
    );
    assertGolden(image, golden);
  });

  it('refuses LoRA, textual inversion and ControlNet on SDXL by name; the refiner needs task version 1.2.0', async () => {
    await assert.rejects(
      run(makeArgs({ lora: { model: 'x/y' } })),
      (e) => e instanceof SdUnsupportedArgumentError && /"lora"/.test((e as Error).message),
    );
    await assert.rejects(run(makeArgs({ textual_inversion: 'x/y' })), /"textual_inversion"/);
    assert.throws(
      () =>
        parseTaskArgs('sd', {
          version: '1.1.0',
          base_model: modelId,
          prompt: 'x',
          refiner: { model: 'a/b' },
        }),
      /refiner/,
    );
  });
});

// Golden base + refiner image (seed 42, 64×64, base 3 Euler steps to cutoff 80, refiner 4 of its 20 Euler steps).
const goldenRefined = [
  '18b487d8e3ac132df894b8614d9bfcf477aece3f5053bff36930d1711f4a41a0',
  'c924bf188759c0ae16a9ccad997e37d5458487a256ecf49e2050d2151687e97c',
];

describe('SDXL refiner (task version 1.2.0)', () => {
  const refined = (refiner: Record<string, unknown> = {}, rest: Partial<SdTaskArgsInput> = {}) =>
    makeArgs({ version: '1.2.0', refiner: { model: refinerId, steps: 20, ...refiner }, ...rest });

  it("splits the schedules as diffusers' denoising_end / denoising_start do", () => {
    const base = createScheduler({ method: 'EulerDiscrete', config: sdxlSchedulerConfig, steps: 3 });
    assert.deepEqual(base.timesteps, [667, 334, 1]);
    // t ≥ int(round(1000 − 0.8 · 1000)) = 200 stay with the base.
    assert.equal(getDenoisingEndIndex(base.timesteps, 1000, 0.8), 2);
    const refiner = createScheduler({ method: 'EulerDiscrete', config: sdxlSchedulerConfig, steps: 20 });
    // Of 951, 901, …, 1 the refiner runs t < 200: 151, 101, 51, 1 (diffusers: 40 steps at 0.8 run 8).
    assert.deepEqual(getRefinerStart(refiner, 1000, 20, 80), { startIndex: 16, addNoise: false });
    const forty = createScheduler({ method: 'EulerDiscrete', config: sdxlSchedulerConfig, steps: 40 });
    assert.equal(40 - getRefinerStart(forty, 1000, 40, 80).startIndex, 8);
    // 0 and 100 are not a valid denoising_start for diffusers: image-to-image at strength 0.3 instead.
    assert.deepEqual(getRefinerStart(refiner, 1000, 20, 100), { startIndex: 14, addNoise: true });
    assert.throws(() => getRefinerStart(refiner, 1000, 3, 0), /refiner\.steps/);
  });

  it('golden; runs and 1 vs 2 threads agree; the refiner and its cutoff change the image; progress counts both', async () => {
    const progress: number[] = [];
    const image = await run(refined(), 1, backend1, ({ step, total }) => progress.push(step, total));
    // 2 base evaluations (t ≥ 200) then 4 refiner ones, of 6.
    assert.deepEqual(progress, [1, 6, 2, 6, 3, 6, 4, 6, 5, 6, 6, 6]);
    assert.equal(await run(refined()), image);
    assert.equal(await run(refined(), 2, backend2), image);
    assert.ok(!golden.includes(image), 'the refiner changes the image');
    assert.notEqual(await run(refined({ denoising_cutoff: 50 })), image);
    const full = await run(refined({ denoising_cutoff: 100 }));
    assert.notEqual(full, image);
    assert.equal(await run(refined({ denoising_cutoff: 100 }), 2, backend2), full);
    assertGolden(image, goldenRefined);
  });

  it('refuses by name: a non-SDXL base, a variant, an image input, a refiner scheduler we do not run', async () => {
    await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd15-base', seed: 1 });
    await assert.rejects(
      run(refined({}, { base_model: 'verinet/tiny-sd15-base' })),
      (e) => e instanceof SdUnsupportedArgumentError && /"refiner".*not SDXL/s.test((e as Error).message),
    );
    await assert.rejects(run(refined({ variant: 'fp16' })), /"refiner\.variant"/);
    await writeTinySdxlRefiner({
      modelsDir,
      modelId: 'verinet/lcm-refiner',
      schedulerConfig: { ...sdxlSchedulerConfig, _class_name: 'LCMScheduler' },
    });
    await assert.rejects(
      run(refined({ model: 'verinet/lcm-refiner' })),
      (e) => e instanceof SdxlModelError && /LCMScheduler/.test((e as Error).message),
    );
    await writeTinySdxlRefiner({
      modelsDir,
      modelId: 'verinet/refiner-no-aesthetics',
      modelIndex: { requires_aesthetics_score: false },
    });
    await assert.rejects(
      run(refined({ model: 'verinet/refiner-no-aesthetics' })),
      (e) => e instanceof SdxlModelError && /time_ids has 5 ids/.test((e as Error).message),
    );
  });
});
