import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
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
import { SdUnsupportedArgumentError } from '../errors.js';
import { writeTinyAdapterModel, writeTinyAdapterSdModel } from '../lora/tiny.js';
import { readSafetensors, writeSafetensors } from '../safetensors/index.js';
import { createSdBackend } from '../sdBackend.js';
import { loadClipTokenizer } from '../tokenizer/index.js';
import { decodeOnnxModel, loadWeightsMap, readFloatInitializer } from '../weights/index.js';
import {
  extendTokenizer,
  injectEmbeddings,
  parseEmbeddingFile,
  SdTextualInversionError,
  type TextualInversionEmbedding,
} from './index.js';
import { createTinyEmbeddingVectors, encodeA1111Embedding, encodeDiffusersEmbedding } from './tiny.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

const modelId = 'verinet/tiny-sd-ti';
let root: string;
let modelsDir: string;
let modelDir: string;
const backend1 = createSdBackend();
const backend2 = createSdBackend();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const catToy = createTinyEmbeddingVectors(1, 1);
const style = createTinyEmbeddingVectors(2, 2);

function makeArgs(prompt: string, rest: Partial<SdTaskArgsInput> = {}): SdTaskArgs {
  return sdTaskArgsSchema.parse({
    base_model: modelId,
    prompt,
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

const parse = (bytes: Uint8Array, file: string, token?: string) =>
  parseEmbeddingFile(readSafetensors(bytes, file), { embedding: 'e', file, token });

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-ti-'));
  modelsDir = join(root, 'models');
  modelDir = await writeTinyAdapterSdModel({ modelsDir, modelId, seed: 1 });
  await writeTinyAdapterModel({
    modelsDir,
    modelId: 'test/cat-toy',
    files: { 'learned_embeds.safetensors': encodeDiffusersEmbedding('<cat-toy>', catToy) },
  });
  await writeTinyAdapterModel({
    modelsDir,
    modelId: 'test/style',
    files: { 'mystyle.safetensors': encodeA1111Embedding(style, 2) },
  });
}, setupTimeout);

after(async () => {
  await backend1.dispose();
  await backend2.dispose();
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

describe('parseEmbeddingFile', () => {
  it('reads the diffusers layout (token = key) and the A1111 layout (token = file name), token override', () => {
    const d = parse(encodeDiffusersEmbedding('<cat-toy>', catToy), 'learned_embeds.safetensors');
    assert.deepEqual([d.token, d.count, d.hidden], ['<cat-toy>', 1, 32]);
    assert.deepEqual(Array.from(d.vectors), Array.from(catToy));
    const a = parse(encodeA1111Embedding(style, 2), 'sub/mystyle.safetensors');
    assert.deepEqual([a.token, a.count, a.hidden], ['mystyle', 2, 32]);
    assert.equal(parse(encodeA1111Embedding(style, 2), 'mystyle.safetensors', '<s>').token, '<s>');
  });

  const bad: [string, Uint8Array, RegExp][] = [
    [
      'an SDXL embedding',
      writeSafetensors({
        clip_l: { shape: [1, 4], values: [0, 0, 0, 0] },
        clip_g: { shape: [1, 4], values: [0, 0, 0, 0] },
      }),
      /SDXL embedding \(clip_l\/clip_g\)/,
    ],
    [
      'several tensors',
      writeSafetensors({ a: { shape: [2], values: [0, 0] }, b: { shape: [2], values: [0, 0] } }),
      /found keys "a", "b"/,
    ],
    ['a 3-D tensor', writeSafetensors({ t: { shape: [1, 1, 2], values: [0, 0] } }), /shape \[1,1,2\]/],
  ];
  for (const [what, bytes, pattern] of bad)
    it(`refuses ${what} by name`, () => {
      assert.throws(
        () => parse(bytes, 'bad.safetensors'),
        (e: unknown) =>
          e instanceof SdTextualInversionError &&
          /bad\.safetensors/.test((e as Error).message) &&
          pattern.test((e as Error).message),
      );
    });
});

describe('extendTokenizer and injectEmbeddings', () => {
  it('adds trigger tokens after the vocabulary, expands multi-vector triggers and appends float32 rows', async () => {
    const graph = decodeOnnxModel(await readFile(join(modelDir, 'text_encoder', 'model.onnx')));
    const weightsMap = await loadWeightsMap({
      model: modelId,
      dir: modelDir,
      component: 'text_encoder',
      graph,
    });
    const vocab = JSON.parse(await readFile(join(modelDir, 'tokenizer', 'vocab.json'), 'utf8')) as Record<
      string,
      number
    >;
    const embeddings: TextualInversionEmbedding[] = [
      parse(encodeDiffusersEmbedding('<cat-toy>', catToy), 'learned_embeds.safetensors'),
      parse(encodeA1111Embedding(style, 2), 'mystyle.safetensors'),
    ];
    const { added, expansions } = injectEmbeddings({
      model: modelId,
      graphFile: 'te',
      graph,
      weightsMap,
      vocab,
      embeddings,
    });
    assert.deepEqual(added, [
      { token: '<cat-toy>', id: 523 },
      { token: 'mystyle', id: 524 },
      { token: 'mystyle_1', id: 525 },
    ]);
    const table = readFloatInitializer(graph, 'token_embedding', { model: modelId, file: 'te' });
    assert.deepEqual(table.dims, [526, 32]);
    assert.deepEqual(Array.from(table.values.slice(523 * 32, 524 * 32)), Array.from(catToy));
    assert.deepEqual(Array.from(table.values.slice(524 * 32)), Array.from(style));

    const base = await loadClipTokenizer({ folder: join(modelDir, 'tokenizer'), model: modelId });
    const tokenizer = extendTokenizer(base, vocab, added, expansions);
    const [start, a, end] = base.encode('a');
    assert.deepEqual(tokenizer.encode('a <cat-toy> mystyle').slice(0, 7), [
      start,
      a,
      523,
      524,
      525,
      end,
      end,
    ]);
    // Case-sensitive like transformers' added tokens; text without triggers is tokenized as before.
    assert.deepEqual(tokenizer.encode('a <CAT-TOY>'), base.encode('a <CAT-TOY>'));
    assert.deepEqual(tokenizer.encode('the red cat'), base.encode('the red cat'));
    assert.deepEqual(tokenizer.tokenize('x<cat-toy>y'), ['x</w>', '<cat-toy>', 'y</w>']);
  });

  it('refuses a token already in the vocabulary, two embeddings with one token and a width mismatch', async () => {
    const graph = decodeOnnxModel(await readFile(join(modelDir, 'text_encoder', 'model.onnx')));
    const weightsMap = await loadWeightsMap({
      model: modelId,
      dir: modelDir,
      component: 'text_encoder',
      graph,
    });
    const vocab = JSON.parse(await readFile(join(modelDir, 'tokenizer', 'vocab.json'), 'utf8')) as Record<
      string,
      number
    >;
    const inject = (embeddings: TextualInversionEmbedding[]) =>
      injectEmbeddings({ model: modelId, graphFile: 'te', graph, weightsMap, vocab, embeddings });
    const one = parse(encodeDiffusersEmbedding('<cat-toy>', catToy), 'a.safetensors');
    assert.throws(
      () => inject([{ ...one, token: 'cat</w>' }]),
      /token "cat<\/w>" is already in the tokenizer/,
    );
    assert.throws(
      () => inject([one, { ...one, file: 'b.safetensors' }]),
      /b\.safetensors.*token "<cat-toy>" is already/s,
    );
    const wide = parse(encodeDiffusersEmbedding('<w>', new Float32Array(48), 1, 48), 'w.safetensors');
    assert.throws(() => inject([wide]), /its vectors have 48 values, the text encoder 32/);
  });
});

// Golden image of "a <cat-toy> dog" with test/cat-toy on the tiny model (seed 42, 64×64, 3 steps, cfg 7, DDIM).
const golden = 'f91e0488c2a5715aa374c4fa7c11d5b674aabcd5df900fa49044ebc09d0317f8';

describe('textual inversion in the SD backend', () => {
  it('changes the image only where the trigger is used; golden; runs and 1 vs 2 threads agree', async () => {
    const ti = { textual_inversion: 'test/cat-toy' };
    const plain = await run(makeArgs('a <cat-toy> dog'));
    const withTi = await run(makeArgs('a <cat-toy> dog', ti));
    assert.notEqual(withTi, plain);
    assert.equal(await run(makeArgs('a <cat-toy> dog', ti)), withTi);
    assert.equal(await run(makeArgs('a <cat-toy> dog', ti), 2, backend2), withTi);
    // Without its trigger in the prompt the embedding changes nothing.
    assert.equal(await run(makeArgs('a red dog', ti)), await run(makeArgs('a red dog')));
    assert.equal(withTi, golden);
  });

  it('takes several embeddings, A1111 file-name tokens and explicit tokens', async () => {
    const both = makeArgs('mystyle, a <toy> dog', {
      textual_inversion: [{ model: 'test/style' }, { model: 'test/cat-toy', token: '<toy>' }],
    });
    const image = await run(both);
    assert.notEqual(image, await run(makeArgs('mystyle, a <toy> dog', { textual_inversion: 'test/style' })));
    assert.equal(await run(both, 2, backend2), image);
  });

  it('refuses pickles by name and is accepted from task version 1.1.0 only', async () => {
    await writeTinyAdapterModel({
      modelsDir,
      modelId: 'test/pt',
      files: { 'emb.pt': new Uint8Array([0x80, 2]) },
    });
    await assert.rejects(
      run(makeArgs('x', { textual_inversion: { model: 'test/pt', weight_file_name: 'emb.pt' } })),
      (e) =>
        e instanceof SdUnsupportedArgumentError &&
        /textual_inversion\.0.*emb\.pt is a PyTorch pickle/s.test((e as Error).message),
    );
    const args = parseTaskArgs('sd', {
      version: '1.1.0',
      base_model: modelId,
      prompt: 'x',
      textual_inversion: ['a/b', { model: 'c/d', token: '<d>' }],
    });
    assert.deepEqual(args.textual_inversion, [{ model: 'a/b' }, { model: 'c/d', token: '<d>' }]);
    assert.throws(
      () =>
        parseTaskArgs('sd', { base_model: modelId, prompt: 'x', version: '1.0.0', textual_inversion: 'a/b' }),
      /textual_inversion/,
    );
    assert.throws(
      () =>
        parseTaskArgs('sd', {
          version: '1.1.0',
          base_model: modelId,
          prompt: 'x',
          textual_inversion: { model: 'a/b', token: 'a b' },
        }),
      /token/,
    );
  });
});
