import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Tensor } from '@huggingface/transformers';
import { parseTaskArgs } from '@verinet/protocol/args';
import type { RunContext } from '../backend/types.js';
import { getModelDir } from '../models/getModelDir.js';
import { onnx } from '../onnx/proto.js';
import { type ChatResult, createLlmBackend } from './index.js';
import { type LoadedLlm, loadLlm } from './loadLlm.js';
import {
  createTinyLlamaFiles,
  tinyLlamaModelId,
  tinyQwen2ModelId,
  writeTinyLlama,
} from './tiny/writeTinyLlama.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

/** sha256 of result.json for the fixed tasks below: a change means results changed for every node. */
const golden = {
  llamaGreedy: 'e275830581d6f0e30fc88368dac6094653906bce61b57f6253fea20587fe3397',
  qwen2Greedy: '61d2a48e04af1ebaa00eff405bcaa24845645fd2d214a2fcc85576917098d19a',
  llamaSampled: '266c7247cc3088bdbc8e42171d43438246232fdbbae56ac64d798c9590652bd4',
};

let root: string;
let modelsDir: string;
let outputs = 0;
const backend = createLlmBackend();
const messages = [
  { role: 'system', content: 'You are tiny.' },
  { role: 'user', content: 'hello world' },
];

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
  root = await mkdtemp(join(tmpdir(), 'verinet-llama-'));
  modelsDir = join(root, 'models');
  await writeTinyLlama({ modelsDir });
  await writeTinyLlama({ modelsDir, architecture: 'qwen2' });
}, setupTimeout);
after(async () => {
  await backend.dispose();
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

describe('tiny Llama / Qwen2 model', () => {
  test('is generated in code, the same bytes for the same seed, GQA in its config', () => {
    const a = createTinyLlamaFiles(0);
    const onnxSha = (files: Map<string, Uint8Array | string>) =>
      sha256(files.get('onnx/model.onnx') as Uint8Array);
    assert.equal(onnxSha(a), onnxSha(createTinyLlamaFiles(0)));
    assert.notEqual(onnxSha(a), onnxSha(createTinyLlamaFiles(1)));
    assert.notEqual(onnxSha(a), onnxSha(createTinyLlamaFiles(0, { architecture: 'qwen2' })));
    const config = JSON.parse(a.get('config.json') as string);
    assert.equal(config.model_type, 'llama');
    assert.equal(config.num_attention_heads, 4);
    assert.equal(config.num_key_value_heads, 2);
  });

  for (const architecture of ['llama', 'qwen2'] as const) {
    test(`${architecture}: the ONNX graph computes what the Hugging Face modeling code does (independent float64 forward)`, async () => {
      const files = createTinyLlamaFiles(0, { architecture });
      const config = JSON.parse(files.get('config.json') as string);
      const weights = readInitializers(files.get('onnx/model.onnx') as Uint8Array);
      const llm = await load(architecture);
      try {
        const ids = [5, 77, 200, 12, 256, 9];
        const full = await forward(llm, ids, 0, null);
        const expected = referenceForward(weights, config, ids);
        const vocab = config.vocab_size as number;
        let worst = 0;
        for (let s = 0; s < ids.length; s++) {
          for (let v = 0; v < vocab; v++) {
            worst = Math.max(worst, Math.abs(full.logits[s * vocab + v]! - expected[s]![v]!));
          }
        }
        // Measured: about 4e-6 (float32 graph against float64); a wrong GQA head mapping gives about 11.
        assert.ok(worst < 1e-4, `largest difference ${worst}`);
      } finally {
        await llm.model.dispose();
      }
    });
  }

  test('with the key/value cache (GQA-shaped past), logits equal the full-sequence forward', async () => {
    const llm = await load('llama');
    try {
      const ids = [5, 77, 200, 12, 256, 9, 40];
      const vocab = (llm.model.config as unknown as { vocab_size: number }).vocab_size;
      const full = await forward(llm, ids, 0, null);
      let step = await forward(llm, ids.slice(0, 3), 0, null);
      assert.deepEqual(step.past['past_key_values.0.key']!.dims, [1, 2, 3, 8]);
      for (let i = 3; i < ids.length; i++) {
        step = await forward(llm, [ids[i]!], i, step.past);
        for (let v = 0; v < vocab; v++) {
          const diff = Math.abs(step.logits[v]! - full.logits[i * vocab + v]!);
          assert.ok(diff < 1e-4, `position ${i} token ${v}: ${diff}`);
        }
      }
    } finally {
      await llm.model.dispose();
    }
  });
});

describe('LLM backend on Llama / Qwen2', () => {
  test('greedy: golden hashes, same across runs and 1 vs 2 threads, for both architectures', async () => {
    for (const [model, hash] of [
      [tinyLlamaModelId, golden.llamaGreedy],
      [tinyQwen2ModelId, golden.qwen2Greedy],
    ] as const) {
      const args = { model, messages, generation_config: { max_new_tokens: 24 } };
      const first = await run(args, 1);
      assert.equal(first.result.model, model);
      assert.equal(sha256(first.bytes), hash, model);
      assert.equal(sha256((await run(args, 1)).bytes), hash);
      assert.equal(sha256((await run(args, 2)).bytes), hash);
    }
  });

  test('seeded sampling: golden hash, 1 vs 2 threads', async () => {
    const args = {
      model: tinyLlamaModelId,
      messages,
      seed: 11,
      generation_config: { max_new_tokens: 24, do_sample: true, temperature: 1.3, top_k: 30, top_p: 0.9 },
    };
    assert.equal(sha256((await run(args, 1)).bytes), golden.llamaSampled);
    assert.equal(sha256((await run(args, 2)).bytes), golden.llamaSampled);
  });

  test('our decoding loop yields the same greedy tokens as transformers.js generate (its own GQA cache)', async () => {
    const llm = await load('qwen2');
    try {
      const { encodeChatPrompt, generateChat } = await import('./generateChat.js');
      const args = parseTaskArgs('llm', {
        model: tinyQwen2ModelId,
        messages,
        generation_config: { max_new_tokens: 16 },
      });
      const prompt = encodeChatPrompt(llm, args);
      const ours = await generateChat(llm, args, { signal: new AbortController().signal });
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
    } finally {
      await llm.model.dispose();
    }
  });
});

function load(architecture: 'llama' | 'qwen2'): Promise<LoadedLlm> {
  return loadLlm(
    getModelDir(modelsDir, architecture === 'qwen2' ? tinyQwen2ModelId : tinyLlamaModelId),
    modelsDir,
    1,
  );
}

type Past = Record<string, Tensor>;

async function forward(
  llm: LoadedLlm,
  ids: number[],
  start: number,
  past: Past | null,
): Promise<{ logits: Float32Array; past: Past }> {
  const total = start + ids.length;
  const int64 = (values: number[]) =>
    new Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const outputs = (await llm.model.forward({
    input_ids: int64(ids),
    attention_mask: int64(new Array<number>(total).fill(1)),
    position_ids: int64(ids.map((_, i) => start + i)),
    past_key_values: past,
  })) as Record<string, Tensor>;
  const next: Past = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    if (name.startsWith('present')) next[name.replace('present', 'past_key_values')] = tensor;
  }
  return { logits: outputs.logits!.data as Float32Array, past: next };
}

type Weights = Map<string, { dims: number[]; data: Float32Array }>;

function readInitializers(bytes: Uint8Array): Weights {
  const model = onnx.ModelProto.decode(bytes);
  const out: Weights = new Map();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== 1 || !t.rawData) continue;
    const raw = t.rawData;
    const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    out.set(t.name ?? '', { dims: (t.dims ?? []).map(Number), data });
  }
  return out;
}

/**
 * The Hugging Face Llama/Qwen2 forward pass written out in float64 for one sequence at positions 0…S−1:
 * the reference the ONNX graph is checked against. Returns logits per position.
 */
function referenceForward(weights: Weights, config: Record<string, number>, ids: number[]): Float64Array[] {
  const H = config.hidden_size!;
  const heads = config.num_attention_heads!;
  const kvHeads = config.num_key_value_heads!;
  const d = config.head_dim!;
  const half = d / 2;
  const groups = heads / kvHeads;
  const eps = config.rms_norm_eps!;
  const w = (name: string) => {
    const found = weights.get(name);
    if (!found) throw new Error(`no initializer ${name}`);
    return found;
  };
  const has = (name: string) => weights.has(name);
  const matmul = (x: Float64Array, name: string): Float64Array => {
    const { dims, data } = w(name);
    const [inF, outF] = dims as [number, number];
    const y = new Float64Array(outF);
    for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) y[o]! += x[i]! * data[i * outF + o]!;
    return y;
  };
  const addBias = (y: Float64Array, name: string) => {
    if (!has(name)) return y;
    const b = w(name).data;
    return y.map((v, i) => v + b[i]!);
  };
  const rms = (x: Float64Array, name: string) => {
    let ms = 0;
    for (const v of x) ms += v * v;
    const scale = 1 / Math.sqrt(ms / x.length + eps);
    const g = w(name).data;
    return x.map((v, i) => v * scale * g[i]!);
  };
  const rope = (x: Float64Array, count: number, pos: number) => {
    const out = new Float64Array(x.length);
    for (let h = 0; h < count; h++) {
      for (let i = 0; i < half; i++) {
        const angle = pos / config.rope_theta! ** ((2 * i) / d);
        const a = x[h * d + i]!;
        const b = x[h * d + i + half]!;
        out[h * d + i] = a * Math.cos(angle) - b * Math.sin(angle);
        out[h * d + i + half] = b * Math.cos(angle) + a * Math.sin(angle);
      }
    }
    return out;
  };
  const embed = w('model.embed_tokens.weight').data;
  let xs = ids.map((id) => Float64Array.from(embed.subarray(id * H, (id + 1) * H)));
  for (let layer = 0; layer < config.num_hidden_layers!; layer++) {
    const p = `model.layers.${layer}`;
    const normed = xs.map((x) => rms(x, `${p}.input_layernorm.weight`));
    const q = normed.map((x, s) =>
      rope(addBias(matmul(x, `${p}.self_attn.q_proj.weight`), `${p}.self_attn.q_proj.bias`), heads, s),
    );
    const k = normed.map((x, s) =>
      rope(addBias(matmul(x, `${p}.self_attn.k_proj.weight`), `${p}.self_attn.k_proj.bias`), kvHeads, s),
    );
    const v = normed.map((x) =>
      addBias(matmul(x, `${p}.self_attn.v_proj.weight`), `${p}.self_attn.v_proj.bias`),
    );
    xs = xs.map((x, s) => {
      const context = new Float64Array(heads * d);
      for (let h = 0; h < heads; h++) {
        const kv = Math.floor(h / groups);
        const scores = Array.from({ length: s + 1 }, (_, j) => {
          let dot = 0;
          for (let i = 0; i < d; i++) dot += q[s]![h * d + i]! * k[j]![kv * d + i]!;
          return dot / Math.sqrt(d);
        });
        const max = Math.max(...scores);
        const e = scores.map((sc) => Math.exp(sc - max));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= s; j++)
          for (let i = 0; i < d; i++) context[h * d + i]! += (e[j]! / sum) * v[j]![kv * d + i]!;
      }
      const attn = matmul(context, `${p}.self_attn.o_proj.weight`);
      const h1 = x.map((val, i) => val + attn[i]!);
      const m = rms(h1, `${p}.post_attention_layernorm.weight`);
      const gate = matmul(m, `${p}.mlp.gate_proj.weight`);
      const up = matmul(m, `${p}.mlp.up_proj.weight`);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
      const down = matmul(act, `${p}.mlp.down_proj.weight`);
      return h1.map((val, i) => val + down[i]!);
    });
  }
  return xs.map((x) => matmul(rms(x, 'model.norm.weight'), 'lm_head.weight'));
}
