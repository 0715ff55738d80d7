import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import { readSafetensors, writeSafetensors } from '../safetensors/index.js';
import { createSdBackend } from '../sdBackend.js';
import { assertGolden } from '../tiny/assertGolden.js';
import {
  decodeOnnxModel,
  loadWeightsMap,
  readFloatInitializer,
  SdWeightsMapError,
} from '../weights/index.js';
import { mergeLoras, parseLoraFile, SdLoraError, type WeightedLora } from './index.js';
import {
  createTinyLoraPairs,
  encodeTinyLora,
  type TinyLoraNaming,
  writeTinyAdapterModel,
  writeTinyAdapterSdModel,
} from './tiny.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const modelId = 'verinet/tiny-sd-lora';
let root: string;
let modelsDir: string;
let modelDir: string;
const backend1 = createSdBackend();
const backend2 = createSdBackend();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const pairsA = createTinyLoraPairs({ seed: 11 });
const pairsB = createTinyLoraPairs({ seed: 12, rank: 2 });

function makeArgs(rest: Partial<SdTaskArgsInput> = {}): SdTaskArgs {
  return sdTaskArgsSchema.parse({
    base_model: modelId,
    prompt: 'a red cat, the dog',
    negative_prompt: 'bed',
    task_config: { image_width: 64, image_height: 64, steps: 3, seed: 42, num_images: 1, cfg: 7 },
    ...rest,
  });
}

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

/** The tiny graph of a component with the given LoRAs merged, as initializer name -> values. */
async function merged(component: 'unet' | 'text_encoder', loras: WeightedLora[]) {
  const graph = decodeOnnxModel(await readFile(join(modelDir, component, 'model.onnx')));
  const weightsMap = await loadWeightsMap({ model: modelId, dir: modelDir, component, graph });
  mergeLoras({ model: modelId, component, graphFile: `${component}/model.onnx`, graph, weightsMap, loras });
  const out = new Map<string, Float32Array>();
  for (const t of graph.graph!.initializer!)
    if (t.dataType === 1)
      out.set(t.name!, readFloatInitializer(graph, t.name!, { model: modelId, file: component }).values);
  return out;
}

const parsed = (bytes: Uint8Array, weight = 1, name = 'x'): WeightedLora => ({
  lora: name,
  file: `${name}.safetensors`,
  weight,
  modules: parseLoraFile(readSafetensors(bytes, 'f'), { lora: name, file: 'f' }),
});

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-lora-'));
  modelsDir = join(root, 'models');
  modelDir = await writeTinyAdapterSdModel({ modelsDir, modelId, seed: 1 });
  await writeTinyAdapterModel({
    modelsDir,
    modelId: 'test/lora-a',
    files: { 'pytorch_lora_weights.safetensors': encodeTinyLora(pairsA, 'peft') },
  });
  await writeTinyAdapterModel({
    modelsDir,
    modelId: 'test/lora-a-kohya',
    files: { 'my_lora.safetensors': encodeTinyLora(pairsA, 'kohya', 4) },
  });
  await writeTinyAdapterModel({
    modelsDir,
    modelId: 'test/lora-b',
    files: { 'b.safetensors': encodeTinyLora(pairsB, 'kohya') },
  });
}, setupTimeout);

after(async () => {
  await backend1.dispose();
  await backend2.dispose();
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

describe('mergeLoras', () => {
  it('computes W + weight · alpha/rank · up·down on torch and transposed layouts (hand-checked values)', async () => {
    const g = createGraphBuilder({ name: 'm' });
    const x = g.input('x', 'float32', [1, 2]);
    // transposed: stored [in, out]; torch: [out, in].
    const t = g.initializer('lin_t', 'float32', [2, 2], new Float32Array([1, 2, 3, 4]));
    const w = g.initializer('lin.weight', 'float32', [2, 2], new Float32Array([1, 2, 3, 4]));
    g.output(g.op('Add', [g.op('MatMul', [x, t]), g.op('MatMul', [x, w])]), 'float32', [1, 2], 'y');
    const graph = decodeOnnxModel(g.toBytes());
    const dir = join(root, 'hand');
    await mkdir(join(dir, 'unet'), { recursive: true });
    await writeFile(
      join(dir, 'unet', 'weights_map.json'),
      JSON.stringify({
        format: 'verinet-weights-map/1',
        modules: {
          a: { initializer: 'lin_t', layout: 'transposed' },
          b: { initializer: 'lin.weight', layout: 'torch' },
        },
      }),
    );
    const weightsMap = await loadWeightsMap({ model: 'm', dir, component: 'unet', graph });
    // up [2,1] = [1, 2], down [1,2] = [3, 5] -> up·down = [[3, 5], [6, 10]]; alpha 0.5, rank 1 -> scale 0.5; weight 0.5.
    const lora = writeSafetensors({
      'lora_unet_a.lora_down.weight': { shape: [1, 2], values: [3, 5] },
      'lora_unet_a.lora_up.weight': { shape: [2, 1], values: [1, 2] },
      'lora_unet_a.alpha': { shape: [], values: [0.5] },
      'unet.b.lora_A.weight': { shape: [1, 2], values: [3, 5] },
      'unet.b.lora_B.weight': { shape: [2, 1], values: [1, 2] },
    });
    const changed = mergeLoras({
      model: 'm',
      component: 'unet',
      graphFile: 'unet/model.onnx',
      graph,
      weightsMap,
      loras: [parsed(lora, 0.5)],
    });
    assert.equal(changed, 2);
    const read = (name: string) =>
      Array.from(readFloatInitializer(graph, name, { model: 'm', file: 'f' }).values);
    // a: delta 0.25·[[3,5],[6,10]] transposed into [in, out]: [[0.75, 1.5], [1.25, 2.5]].
    assert.deepEqual(read('lin_t'), [1.75, 3.5, 4.25, 6.5]);
    // b: no alpha -> scale 1, weight 0.5: 0.5·[[3,5],[6,10]].
    assert.deepEqual(read('lin.weight'), [2.5, 4.5, 6, 9]);
  });

  it('reads the same update from kohya, PEFT and older diffusers key naming', async () => {
    const reference = await merged('unet', [parsed(encodeTinyLora(pairsA, 'peft'))]);
    // kohya alpha = rank (4) is scale 1, the same as PEFT without alpha.
    for (const naming of ['kohya', 'diffusers'] as TinyLoraNaming[]) {
      const other = await merged('unet', [
        parsed(encodeTinyLora(pairsA, naming, naming === 'kohya' ? 4 : undefined)),
      ]);
      for (const [name, values] of reference) assert.deepEqual(other.get(name), values, `${naming}: ${name}`);
    }
    const base = await merged('unet', []);
    assert.notDeepEqual(reference.get('attn.k'), base.get('attn.k'));
    assert.notDeepEqual(reference.get('resnet.conv.weight'), base.get('resnet.conv.weight'));
    assert.deepEqual(
      reference.get('attn.q'),
      base.get('attn.q'),
      'modules the LoRA does not name are untouched',
    );
  });

  it('weight 0 leaves every initializer bit-identical', async () => {
    const base = await merged('text_encoder', []);
    const zero = await merged('text_encoder', [parsed(encodeTinyLora(pairsA, 'peft'), 0)]);
    for (const [name, values] of base) assert.deepEqual(zero.get(name), values, name);
  });

  it('two LoRAs compose as the sum of their updates', async () => {
    const base = await merged('unet', []);
    const a = await merged('unet', [parsed(encodeTinyLora(pairsA, 'peft'), 0.7)]);
    const b = await merged('unet', [parsed(encodeTinyLora(pairsB, 'kohya'), 0.4)]);
    const both = await merged('unet', [
      parsed(encodeTinyLora(pairsA, 'peft'), 0.7),
      parsed(encodeTinyLora(pairsB, 'kohya'), 0.4),
    ]);
    let compared = 0;
    for (const [name, w] of base) {
      for (let i = 0; i < w.length; i++) {
        const expected = w[i]! + (a.get(name)![i]! - w[i]!) + (b.get(name)![i]! - w[i]!);
        // Each merge rounds once to float32; the sum of two rounded updates is within a few ulps of it.
        assert.ok(
          Math.abs(both.get(name)![i]! - expected) <= 4e-7 * Math.max(1, Math.abs(expected)),
          `${name}[${i}]`,
        );
        compared++;
      }
    }
    assert.ok(compared > 10_000);
  });
});

describe('LoRA errors (refused by name)', () => {
  const bad: [string, Record<string, { shape: number[]; values: number[] }>, RegExp][] = [
    [
      'an unknown key',
      { 'model.diffusion_model.x.weight': { shape: [1], values: [1] } },
      /key "model\.diffusion_model\.x\.weight" is neither/,
    ],
    ['a LyCORIS key', { 'lora_unet_conv_in.hada_w1_a': { shape: [1], values: [1] } }, /LyCORIS/],
    [
      'a missing up matrix',
      { 'unet.conv_in.lora_A.weight': { shape: [1, 2], values: [1, 2] } },
      /has no matching up \(B\)/,
    ],
    [
      'a rank mismatch',
      {
        'unet.conv_in.lora_A.weight': { shape: [2, 2], values: [1, 2, 3, 4] },
        'unet.conv_in.lora_B.weight': { shape: [2, 1], values: [1, 2] },
      },
      /does not match rank 2/,
    ],
    [
      'a non-scalar alpha',
      {
        'lora_unet_conv_in.lora_down.weight': { shape: [1, 2], values: [1, 2] },
        'lora_unet_conv_in.lora_up.weight': { shape: [2, 1], values: [1, 2] },
        'lora_unet_conv_in.alpha': { shape: [2], values: [1, 1] },
      },
      /is not a scalar/,
    ],
  ];
  for (const [what, tensors, pattern] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => parsed(writeSafetensors(tensors)),
        (e: unknown) => e instanceof SdLoraError && pattern.test(e.message),
      );
    });
  }

  it('refuses a module the model does not have and an update that does not fit its initializer', async () => {
    const unknown = writeSafetensors({
      'unet.down_blocks.9.attn.to_q.lora_A.weight': { shape: [1, 32], values: new Array(32).fill(0) },
      'unet.down_blocks.9.attn.to_q.lora_B.weight': { shape: [32, 1], values: new Array(32).fill(0) },
    });
    await assert.rejects(
      merged('unet', [parsed(unknown)]),
      /module "down_blocks\.9\.attn\.to_q" is not in the model's unet weights map/,
    );
    const kohyaUnknown = writeSafetensors({
      'lora_unet_nope_to_q.lora_down.weight': { shape: [1, 32], values: new Array(32).fill(0) },
      'lora_unet_nope_to_q.lora_up.weight': { shape: [32, 1], values: new Array(32).fill(0) },
    });
    await assert.rejects(merged('unet', [parsed(kohyaUnknown)]), /no unet module flattens to "nope_to_q"/);
    const wrongShape = writeSafetensors({
      'unet.conv_out.lora_A.weight': { shape: [1, 7], values: new Array(7).fill(0) },
      'unet.conv_out.lora_B.weight': { shape: [4, 1], values: new Array(4).fill(0) },
    });
    const tooHighRank = writeSafetensors({
      'unet.conv_out.lora_A.weight': { shape: [5, 32, 3, 3], values: new Array(5 * 32 * 9).fill(0) },
      'unet.conv_out.lora_B.weight': { shape: [4, 5, 1, 1], values: new Array(20).fill(0) },
    });
    await assert.rejects(merged('unet', [parsed(tooHighRank)]), /rank 5 exceeds min\(out, in\) = 4/);
    await assert.rejects(
      merged('unet', [parsed(wrongShape)]),
      /"unet\.conv_out": an update of shape \[4,7\] does not fit initializer "conv_out\.weight" \[4,32,3,3\]/,
    );
  });

  it('refuses pickles, an SDXL LoRA, a malformed file and a weights map naming a missing initializer, by name', async () => {
    await writeTinyAdapterModel({
      modelsDir,
      modelId: 'test/pickle',
      files: { 'lora.pt': new Uint8Array([0x80, 2]) },
    });
    await writeTinyAdapterModel({
      modelsDir,
      modelId: 'test/sdxl-lora',
      files: {
        'x.safetensors': encodeTinyLora(
          createTinyLoraPairs({
            seed: 1,
            targets: [{ component: 'text_encoder_2', module: 'm', outFeatures: 2, inFeatures: 2 }],
          }),
          'kohya',
        ),
      },
    });
    await writeTinyAdapterModel({
      modelsDir,
      modelId: 'test/broken',
      files: { 'x.safetensors': new Uint8Array(12) },
    });
    await writeTinyAdapterModel({
      modelsDir,
      modelId: 'test/two-files',
      files: {
        'a.safetensors': encodeTinyLora(pairsA, 'peft'),
        'b.safetensors': encodeTinyLora(pairsB, 'peft'),
      },
    });
    const refuse = async (lora: SdTaskArgsInput['lora'], check: (e: unknown) => boolean) =>
      assert.rejects(run(makeArgs({ lora })), check);
    await refuse(
      { model: 'test/pickle', weight_file_name: 'lora.pt' },
      (e) =>
        e instanceof SdUnsupportedArgumentError &&
        /lora\.0.*lora\.pt is a PyTorch pickle/s.test((e as Error).message),
    );
    await refuse(
      { model: 'test/pickle' },
      (e) => e instanceof SdUnsupportedArgumentError && /no \.safetensors file/.test((e as Error).message),
    );
    await refuse(
      { model: 'test/two-files' },
      (e) =>
        e instanceof SdUnsupportedArgumentError && /several \.safetensors files/.test((e as Error).message),
    );
    await refuse({ model: 'test/two-files', weight_file_name: 'c.safetensors' }, (e) =>
      /has no file c\.safetensors/.test((e as Error).message),
    );
    await refuse(
      { model: 'test/sdxl-lora' },
      (e) => e instanceof SdLoraError && /adapts text_encoder_2/.test((e as Error).message),
    );
    await refuse(
      { model: 'test/broken' },
      (e) =>
        e instanceof SdLoraError &&
        /test\/broken.*x\.safetensors.*header is not UTF-8 JSON/s.test((e as Error).message),
    );

    const graph = decodeOnnxModel(await readFile(join(modelDir, 'unet', 'model.onnx')));
    const dir = join(root, 'badmap');
    await mkdir(join(dir, 'unet'), { recursive: true });
    await writeFile(
      join(dir, 'unet', 'weights_map.json'),
      JSON.stringify({
        format: 'verinet-weights-map/1',
        modules: { a: { initializer: 'nope', layout: 'torch' } },
      }),
    );
    await assert.rejects(
      loadWeightsMap({ model: 'm', dir, component: 'unet', graph }),
      (e) =>
        e instanceof SdWeightsMapError && /module "a" names initializer "nope"/.test((e as Error).message),
    );
  });
});

// Golden LoRA images on the tiny model (seed 42, 64×64, 3 steps, cfg 7, DDIM): sha256 of the RGB pixels.
const golden = {
  loraA: [
    '22ffc28e12e1f665c8e109f6ba5f1108a3bbcac766279a906ed0005f99146bba',
    '5260541ebf5dbc00be131ba3e42da7ffb814bc3e0314e2e2715fde52d3df3559',
  ],
  loraAB: [
    'b8e9f3a14fc63bbdc36ff39f247ba33f96b7356e878e08bfac1a14f19afd8fb0',
    '6a6f67eb7d3e97c8909e14eed2e61b837d1e82379f3489ad8fe3f2020ecbb0d7',
  ],
};

describe('LoRA in the SD backend', () => {
  it('weight 0 gives the image without LoRA; weight 100 differs; golden; runs and 1 vs 2 threads agree', async () => {
    const plain = await run(makeArgs());
    assert.equal(await run(makeArgs({ lora: { model: 'test/lora-a', weight: 0 } })), plain);
    const withLora = await run(makeArgs({ lora: { model: 'test/lora-a', weight: 100 } }));
    assert.notEqual(withLora, plain);
    assert.equal(await run(makeArgs({ lora: { model: 'test/lora-a', weight: 100 } })), withLora);
    assert.equal(await run(makeArgs({ lora: { model: 'test/lora-a', weight: 100 } }), 2, backend2), withLora);
    // The same pairs in kohya naming with alpha = rank give the same image.
    assert.equal(await run(makeArgs({ lora: [{ model: 'test/lora-a-kohya', weight: 100 }] })), withLora);
    assertGolden(withLora, golden.loraA);
  });

  it('applies several LoRAs at once (differs from each alone), deterministically', async () => {
    const both = makeArgs({
      lora: [
        { model: 'test/lora-a', weight: 60 },
        { model: 'test/lora-b', weight: 100 },
      ],
    });
    const image = await run(both);
    assert.notEqual(image, await run(makeArgs({ lora: { model: 'test/lora-a', weight: 60 } })));
    assert.notEqual(image, await run(makeArgs({ lora: { model: 'test/lora-b', weight: 100 } })));
    assert.equal(await run(both, 2, backend2), image);
    assertGolden(image, golden.loraAB);
  });

  it('is accepted from task version 1.1.0 and refused by name before it', () => {
    const input = {
      version: '1.1.0',
      base_model: modelId,
      prompt: 'x',
      lora: [{ model: 'test/lora-a' }, { model: 'test/lora-b', weight: 50 }],
    };
    const args = parseTaskArgs('sd', input);
    assert.deepEqual(args.lora, [
      { model: 'test/lora-a', weight: 100 },
      { model: 'test/lora-b', weight: 50 },
    ]);
    assert.throws(() => parseTaskArgs('sd', { ...input, version: '1.0.0' }), /lora.*1\.1\.0/s);
  });
});
