import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseTaskArgs } from '@verinet/protocol/args';
import type { RunContext } from '../backend/types.js';
import { ModelNotFoundError } from '../models/errors.js';
import { WorkerSupervisor } from '../process/supervisor.js';
import { createRandomStream } from '../random/index.js';
import { type ChatResult, createLlmBackend } from './index.js';
import { selectToken } from './selectToken.js';
import { createTinyGpt2Files, tinyGpt2ModelId, writeTinyGpt2 } from './tiny/writeTinyGpt2.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/**
 * sha256 of result.json for the fixed tasks below: a change means results changed for every node. (Without
 * the `generation_config` member, which the result gained later, they were 3a184eb8… and fae2fe50…: the
 * texts did not change when the processors were rewritten to transformers' rules.)
 */
const golden = {
  greedy: '6a372b41b82c9f1d5e72470efa044a91184b2f3bf7c8df039bef3bbc313c7073',
  sampled: '030d2c52ee3783e94cefad45d8b6e15817e3d47edf6f744ea240a07d90d13657',
};

let root: string;
let modelsDir: string;
let outputs = 0;
const backend = createLlmBackend();

const baseArgs = {
  model: tinyGpt2ModelId,
  messages: [
    { role: 'system', content: 'You are tiny.' },
    { role: 'user', content: 'hello world' },
  ],
};

async function run(raw: unknown, threads = 1): Promise<{ bytes: Buffer; result: ChatResult }> {
  const outputDir = join(root, `out-${outputs++}`);
  await mkdir(outputDir);
  const ctx: RunContext = {
    outputDir,
    modelsDir,
    threads,
    executionProvider: 'cpu',
    onProgress: () => {},
    signal: new AbortController().signal,
  };
  const [file] = await backend.run(parseTaskArgs('llm', raw), ctx);
  const bytes = await readFile(file!.path);
  return { bytes, result: JSON.parse(bytes.toString('utf8')) as ChatResult };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-llm-'));
  modelsDir = join(root, 'models');
  await writeTinyGpt2({ modelsDir });
}, setupTimeout);
after(async () => {
  await backend.dispose();
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

describe('tiny GPT-2', () => {
  test('is generated in code, the same bytes for the same seed', () => {
    const a = createTinyGpt2Files(0);
    const b = createTinyGpt2Files(0);
    const c = createTinyGpt2Files(1);
    assert.equal(
      sha256(a.get('onnx/model.onnx') as Uint8Array),
      sha256(b.get('onnx/model.onnx') as Uint8Array),
    );
    assert.notEqual(
      sha256(a.get('onnx/model.onnx') as Uint8Array),
      sha256(c.get('onnx/model.onnx') as Uint8Array),
    );
    assert.equal(a.get('tokenizer.json'), b.get('tokenizer.json'));
  });
});

describe('LLM backend', () => {
  test('greedy chat: OpenAI-shaped canonical result, golden hash, same across runs and thread counts', async () => {
    const args = { ...baseArgs, generation_config: { max_new_tokens: 24 } };
    const first = await run(args, 1);
    assert.equal(first.result.model, tinyGpt2ModelId);
    assert.equal(first.result.choices.length, 1);
    assert.equal(first.result.choices[0]!.message.role, 'assistant');
    assert.ok(['stop', 'length'].includes(first.result.choices[0]!.finish_reason));
    const { prompt_tokens, completion_tokens, total_tokens } = first.result.usage;
    assert.ok(
      prompt_tokens > 10 && completion_tokens > 0 && total_tokens === prompt_tokens + completion_tokens,
    );
    // Canonical JSON: sorted keys, no whitespace.
    assert.match(first.bytes.toString('utf8'), /^\{"choices":\[\{"finish_reason":/);
    assert.equal(sha256(first.bytes), golden.greedy);
    assert.equal(sha256((await run(args, 1)).bytes), golden.greedy);
    assert.equal(sha256((await run(args, 2)).bytes), golden.greedy);
  });

  test('our decoding loop yields the same greedy tokens as transformers.js generate', async () => {
    const { loadLlm } = await import('./loadLlm.js');
    const { encodeChatPrompt, generateChat } = await import('./generateChat.js');
    const { getModelDir } = await import('../models/getModelDir.js');
    const llm = await loadLlm(getModelDir(modelsDir, tinyGpt2ModelId), modelsDir, 1);
    const args = parseTaskArgs('llm', { ...baseArgs, generation_config: { max_new_tokens: 16 } });
    const prompt = encodeChatPrompt(llm, args);
    const ours = await generateChat(llm, args, { signal: new AbortController().signal });
    const { Tensor } = await import('@huggingface/transformers');
    const theirs = (await llm.model.generate({
      input_ids: new Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]),
      attention_mask: new Tensor(
        'int64',
        BigInt64Array.from(prompt, () => 1n),
        [1, prompt.length],
      ),
      max_new_tokens: 16,
      do_sample: false,
      eos_token_id: llm.eosTokenIds,
    } as never)) as { tolist(): bigint[][] };
    const completion = theirs.tolist()[0]!.slice(prompt.length).map(Number);
    assert.equal(ours.completionTokens, completion.length);
    assert.equal(ours.content, llm.tokenizer.decode(completion, { skip_special_tokens: true }));
    await llm.model.dispose();
  });

  test('seeded sampling is reproducible, and another seed gives another text', async () => {
    const args = (seed: number) => ({
      ...baseArgs,
      seed,
      generation_config: { max_new_tokens: 24, do_sample: true, temperature: 1.5, top_k: 40, top_p: 0.95 },
    });
    const a = await run(args(7));
    assert.equal(sha256(a.bytes), golden.sampled);
    assert.equal(sha256((await run(args(7), 2)).bytes), golden.sampled);
    assert.notEqual(
      a.result.choices[0]!.message.content,
      (await run(args(8))).result.choices[0]!.message.content,
    );
  });

  test("the model's generation_config.json defaults apply unless the task overrides them, and are recorded", async () => {
    const defaults = { do_sample: true, temperature: 1.5, top_k: 40, top_p: 0.95, max_new_tokens: 24 };
    await writeTinyGpt2({ modelsDir, modelId: 'verinet/tiny-gpt2-sampling', generationConfig: defaults });
    const model = 'verinet/tiny-gpt2-sampling';
    const implicit = await run({ ...baseArgs, model, seed: 7 });
    const explicit = await run({ ...baseArgs, model, seed: 7, generation_config: defaults });
    assert.equal(sha256(implicit.bytes), sha256(explicit.bytes));
    assert.deepEqual(implicit.result.generation_config, {
      ...defaults,
      min_p: null,
      typical_p: 1,
      repetition_penalty: 1,
      eos_token_id: [implicit.result.generation_config.eos_token_id[0]!],
    });
    // The same weights without those defaults decode greedily: the golden greedy text.
    const greedy = await run({ ...baseArgs, generation_config: { max_new_tokens: 24 } });
    const overridden = await run({ ...baseArgs, model, seed: 7, generation_config: { do_sample: false } });
    assert.equal(overridden.result.choices[0]!.message.content, greedy.result.choices[0]!.message.content);
    assert.equal(overridden.result.generation_config.do_sample, false);
    assert.equal(overridden.result.generation_config.top_k, 40);
    // Seeded sampling with the model's defaults is the golden sampled text of the explicit task.
    const sampled = await run({
      ...baseArgs,
      seed: 7,
      generation_config: { max_new_tokens: 24, do_sample: true, temperature: 1.5, top_k: 40, top_p: 0.95 },
    });
    assert.equal(implicit.result.choices[0]!.message.content, sampled.result.choices[0]!.message.content);
  });

  test("an out-of-range default in the model's generation_config.json is refused naming the field", async () => {
    await writeTinyGpt2({
      modelsDir,
      modelId: 'verinet/tiny-gpt2-bad-defaults',
      generationConfig: { do_sample: true, top_p: 0 },
    });
    await assert.rejects(run({ ...baseArgs, model: 'verinet/tiny-gpt2-bad-defaults' }), (error: unknown) => {
      assert.equal((error as { name: string }).name, 'InvalidTaskArgsError');
      assert.equal((error as { field: string }).field, 'generation_config.top_p');
      return true;
    });
    const fixed = await run({
      ...baseArgs,
      model: 'verinet/tiny-gpt2-bad-defaults',
      generation_config: { top_p: 0.9, max_new_tokens: 4 },
    });
    assert.equal(fixed.result.generation_config.top_p, 0.9);
  });

  test('an assistant turn with tool_calls and content null, and the tool answer, render and run', async () => {
    const { loadLlm } = await import('./loadLlm.js');
    const { renderChatPrompt } = await import('./generateChat.js');
    const messages = [
      { role: 'user', content: 'weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'c2', type: 'function', function: { name: 'get_time', arguments: 'not json' } },
        ],
      },
      { role: 'tool', content: '{"temp":21}', tool_call_id: 'c1' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [{ id: 'c3', function: { name: 'noop', arguments: '{}' } }],
      },
    ];
    const llm = await loadLlm(join(modelsDir, 'verinet--tiny-gpt2'), modelsDir, 1);
    try {
      assert.equal(
        renderChatPrompt(llm, parseTaskArgs('llm', { model: tinyGpt2ModelId, messages })),
        [
          '<|im_start|>user\nweather in Paris?<|im_end|>\n',
          '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
          '\n<tool_call>\n{"name": "get_time", "arguments": "not json"}\n</tool_call><|im_end|>\n',
          '<|im_start|>tool\n{"temp":21}<|im_end|>\n',
          '<|im_start|>assistant\nChecking.\n<tool_call>\n{"name": "noop", "arguments": {}}\n</tool_call><|im_end|>\n',
          '<|im_start|>assistant\n',
        ].join(''),
      );
      // Plain conversations render as before (the golden greedy hash also pins this).
      assert.equal(
        renderChatPrompt(llm, parseTaskArgs('llm', baseArgs)),
        '<|im_start|>system\nYou are tiny.<|im_end|>\n<|im_start|>user\nhello world<|im_end|>\n<|im_start|>assistant\n',
      );
    } finally {
      await llm.model.dispose();
    }
    const result = await run({ ...baseArgs, messages, generation_config: { max_new_tokens: 8 } });
    assert.ok(result.result.usage.prompt_tokens > 40);
  });

  test('max_new_tokens ends with finish_reason length; a stop string cuts the content', async () => {
    const long = await run({ ...baseArgs, generation_config: { max_new_tokens: 5 } });
    const greedy = await run({ ...baseArgs, generation_config: { max_new_tokens: 24 } });
    if (long.result.choices[0]!.finish_reason === 'length')
      assert.equal(long.result.usage.completion_tokens, 5);
    const text = greedy.result.choices[0]!.message.content;
    const stop = text.slice(3, 5);
    assert.ok(stop.length === 2);
    const stopped = await run({
      ...baseArgs,
      generation_config: { max_new_tokens: 24, stop_strings: [stop] },
    });
    assert.equal(stopped.result.choices[0]!.finish_reason, 'stop');
    assert.equal(stopped.result.choices[0]!.message.content, text.slice(0, text.indexOf(stop)));
  });

  test('a folder imported with importModel runs as the generated model does', async () => {
    const { importModel } = await import('../models/importModel.js');
    const { writeFile } = await import('node:fs/promises');
    const source = join(root, 'import-source');
    for (const [path, content] of createTinyGpt2Files(0)) {
      await mkdir(join(source, path, '..'), { recursive: true });
      await writeFile(join(source, path), content);
    }
    const manifest = await importModel({ modelsDir, sourceDir: source, modelId: 'someone/imported-gpt2' });
    assert.equal(manifest.taskType, 'llm');
    const imported = await run({
      ...baseArgs,
      model: 'someone/imported-gpt2',
      generation_config: { max_new_tokens: 24 },
    });
    const generated = await run({ ...baseArgs, generation_config: { max_new_tokens: 24 } });
    assert.equal(imported.result.choices[0]!.message.content, generated.result.choices[0]!.message.content);
  });

  test('a model that is not in the store is ModelNotFoundError naming the fetch command', async () => {
    await assert.rejects(run({ ...baseArgs, model: 'nobody/absent' }), (error: unknown) => {
      assert.ok(error instanceof ModelNotFoundError);
      assert.match(error.message, /verinet model fetch nobody\/absent/);
      return true;
    });
  });

  test('a store entry that is not a loadable LLM: ModelLoadError, or IncompatibleModelError for another kind', async () => {
    const { createManifest, writeManifest, getModelDir } = await import('../models/index.js');
    const { writeFile } = await import('node:fs/promises');
    for (const [modelId, taskType] of [
      ['broken/llm', 'llm'],
      ['some/sd-model', 'sd'],
    ] as const) {
      const dir = getModelDir(modelsDir, modelId);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'config.json'), '{"model_type":"gpt2"}');
      await writeManifest(dir, await createManifest(dir, modelId, taskType));
    }
    await assert.rejects(run({ ...baseArgs, model: 'broken/llm' }), { name: 'ModelLoadError' });
    await assert.rejects(run({ ...baseArgs, model: 'some/sd-model' }), { name: 'IncompatibleModelError' });
    // The loaded model is still served after the failures.
    assert.equal(
      sha256((await run({ ...baseArgs, generation_config: { max_new_tokens: 24 } })).bytes),
      golden.greedy,
    );
  });

  test('a model resolved once is checked again when its manifest is removed or rewritten', async () => {
    const { createManifest, writeManifest, getModelDir } = await import('../models/index.js');
    const { rename, writeFile } = await import('node:fs/promises');
    const modelId = 'someone/recheck-gpt2';
    const dir = getModelDir(modelsDir, modelId);
    for (const [path, content] of createTinyGpt2Files(0)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    await writeManifest(dir, await createManifest(dir, modelId, 'llm'));
    const args = { ...baseArgs, model: modelId, generation_config: { max_new_tokens: 24 } };
    const content = async () => (await run(args)).result.choices[0]!.message.content;
    const expected = (await run({ ...baseArgs, generation_config: { max_new_tokens: 24 } })).result
      .choices[0]!.message.content;
    assert.equal(await content(), expected);
    // The manifest gone (the model removed from the store): not found, although the model is still loaded.
    const manifestPath = join(dir, 'verinet-model.json');
    await rename(manifestPath, `${manifestPath}.away`);
    await assert.rejects(run(args), { name: 'ModelNotFoundError' });
    await rename(`${manifestPath}.away`, manifestPath);
    assert.equal(await content(), expected);
    // A manifest rewritten for files that no longer match it: the full check runs and names the file.
    await writeFile(join(dir, 'config.json'), '{"model_type":"gpt2"}');
    await writeManifest(dir, await createManifest(dir, modelId, 'llm'));
    await writeFile(join(dir, 'config.json'), '{"model_type":"gpt2" }');
    await assert.rejects(run(args), { name: 'ModelIntegrityError', message: /config\.json/ });
  });

  test('dtype float16 and reserved template_args are refused as invalid arguments', async () => {
    await assert.rejects(run({ ...baseArgs, dtype: 'float16' }), { name: 'InvalidTaskArgsError' });
    await assert.rejects(run({ ...baseArgs, template_args: { tokenize: true } }), {
      name: 'InvalidTaskArgsError',
    });
  });
});

describe('selectToken', () => {
  const random = () => createRandomStream({ seed: 1, stream: 9 });
  const greedy = {
    do_sample: false,
    temperature: 1,
    top_k: 0,
    top_p: 1,
    typical_p: 1,
    repetition_penalty: 1,
  };

  test('greedy takes the largest logit, the lowest id on ties', () => {
    assert.equal(selectToken(Float32Array.of(1, 3, 3, 2), [], greedy, random()), 1);
  });

  test('repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
    const logits = Float32Array.of(2.0, 1.5, -1);
    assert.equal(selectToken(logits, [0], { ...greedy, repetition_penalty: 2 }, random()), 1);
    assert.equal(
      selectToken(Float32Array.of(-1, -1.5), [0], { ...greedy, repetition_penalty: 2 }, random()),
      1,
    );
  });

  test('top_k 1 and a tiny top_p both reduce sampling to the argmax', () => {
    const logits = Float32Array.of(0.1, 0.3, 0.2, 0.25);
    const sample = { ...greedy, do_sample: true };
    for (let i = 0; i < 20; i++) {
      assert.equal(selectToken(logits, [], { ...sample, top_k: 1 }, random()), 1);
      assert.equal(selectToken(logits, [], { ...sample, top_p: 0.01 }, random()), 1);
    }
  });

  test('sampling follows the distribution and the seed', () => {
    const logits = Float32Array.of(0, Math.log(3));
    const rng = random();
    const counts = [0, 0];
    for (let i = 0; i < 4000; i++) counts[selectToken(logits, [], { ...greedy, do_sample: true }, rng)]!++;
    assert.ok(Math.abs(counts[1]! / 4000 - 0.75) < 0.03, `counts ${counts}`);
    const draw = (seed: number) => {
      const r = createRandomStream({ seed, stream: 9 });
      return Array.from({ length: 32 }, () =>
        selectToken(logits, [], { ...greedy, do_sample: true }, r),
      ).join('');
    };
    assert.equal(draw(5), draw(5));
    assert.notEqual(draw(5), draw(6));
  });
});

describe('LLM through the worker process', () => {
  test('the default worker runs an LLM task from the store end to end', async () => {
    const worker = new WorkerSupervisor({ modelsDir, handshakeTimeoutMs: 30_000, taskTimeoutMs: 60_000 });
    try {
      const handshake = await worker.start();
      const llm = handshake.backends.find((b) => b.taskType === 'llm');
      assert.ok(llm?.models.includes(tinyGpt2ModelId), `models: ${llm?.models}`);
      const outputDir = join(root, 'worker-out');
      await mkdir(outputDir);
      const result = await worker.run({
        taskType: 'llm',
        args: { ...baseArgs, generation_config: { max_new_tokens: 24 } },
        outputDir,
      });
      assert.equal(result.files[0]!.name, 'result.json');
      assert.equal(result.files[0]!.sha256, golden.greedy);
      assert.equal(result.score, golden.greedy);
    } finally {
      await worker.stop();
    }
  });
});
