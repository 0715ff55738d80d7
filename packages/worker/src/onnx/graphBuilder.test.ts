import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { attention, conv2d, createGraphBuilder, gelu, layerNorm, linear, silu } from './index.js';

const sessionOptions: InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'basic',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
};

describe('createGraphBuilder', () => {
  it('builds an affine model that onnxruntime runs with the expected values', async () => {
    const g = createGraphBuilder({ name: 'affine' });
    const x = g.input('x', 'float32', ['batch', 2]);
    const w = g.initializer('w', 'float32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
    const y = g.op('Add', [g.op('MatMul', [x, w]), g.float32s([0.5, -0.5, 1])]);
    g.output(y, 'float32', ['batch', 3], 'y');
    const session = await InferenceSession.create(g.toBytes(), sessionOptions);
    const { y: out } = await session.run({
      x: new Tensor('float32', new Float32Array([1, 1, 2, 0]), [2, 2]),
    });
    assert.deepEqual(out!.dims, [2, 3]);
    assert.deepEqual(Array.from(out!.data as Float32Array), [5.5, 6.5, 10, 2.5, 3.5, 7]);
    await session.release();
  });

  it('handles int64 constants, Shape/Reshape/Gather/Concat and multi-output nodes', async () => {
    const g = createGraphBuilder({ name: 'shapes', opset: 17 });
    const ids = g.input('ids', 'int64', ['batch', 'sequence']);
    const table = g.initializer('table', 'float32', [3, 2], new Float32Array([0, 1, 10, 11, 20, 21]));
    const embedded = g.op('Gather', [table, ids], { axis: 0 }); // [b, s, 2]
    const flat = g.op('Reshape', [embedded, g.int64s([0, -1])]); // [b, 2s]
    const [left, right] = g.node('Split', [flat, g.int64s([1, 1])], { axis: 1 }, { outputs: 2 });
    g.output(g.op('Concat', [right!, left!], { axis: 1 }), 'float32', ['batch', 2], 'swapped');
    g.output(g.op('Shape', [embedded]), 'int64', [3], 'shape');
    const session = await InferenceSession.create(g.toBytes(), sessionOptions);
    const result = await session.run({ ids: new Tensor('int64', BigInt64Array.from([2n]), [1, 1]) });
    assert.deepEqual(Array.from(result.swapped!.data as Float32Array), [21, 20]);
    assert.deepEqual(Array.from(result.shape!.data as BigInt64Array), [1n, 1n, 2n]);
    await session.release();
  });

  it('writes the same bytes for the same seed and different weights for another seed', () => {
    const make = (seed: number) => {
      const g = createGraphBuilder({ name: 'mlp', seed });
      const x = g.input('x', 'float32', ['batch', 8]);
      g.output(gelu(g, linear(g, x, 'fc', 8, 4)), 'float32', ['batch', 4], 'y');
      return Buffer.from(g.toBytes()).toString('hex');
    };
    assert.equal(make(3), make(3));
    assert.notEqual(make(3), make(4));
  });

  it('runs the composite layers (conv, layer norm, attention, silu, gelu)', async () => {
    const g = createGraphBuilder({ name: 'layers', seed: 9 });
    const image = g.input('image', 'float32', ['batch', 2, 4, 4]);
    const tokens = g.input('tokens', 'float32', ['batch', 5, 6]);
    const conv = silu(g, conv2d(g, image, 'conv', 2, 8));
    const sequence = g.op('Transpose', [g.op('Reshape', [conv, g.int64s([0, 0, -1])])], { perm: [0, 2, 1] });
    const normed = layerNorm(g, sequence, 'norm', 8);
    const attended = attention(g, {
      query: normed,
      context: tokens,
      prefix: 'attn',
      features: 8,
      contextFeatures: 6,
    });
    g.output(gelu(g, attended), 'float32', ['batch', 16, 8], 'out');
    const session = await InferenceSession.create(g.toBytes(), sessionOptions);
    const imageData = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i));
    const tokenData = Float32Array.from({ length: 30 }, (_, i) => Math.cos(i));
    const { out } = await session.run({
      image: new Tensor('float32', imageData, [1, 2, 4, 4]),
      tokens: new Tensor('float32', tokenData, [1, 5, 6]),
    });
    assert.deepEqual(out!.dims, [1, 16, 8]);
    const values = Array.from(out!.data as Float32Array);
    assert.ok(values.every(Number.isFinite));
    assert.ok(new Set(values).size > 100, 'outputs should vary');
    await session.release();
  });

  it('encodes explicit float attributes, tensor attributes and opset-20 operators', async () => {
    const g = createGraphBuilder({ name: 'attributes', opset: 20 });
    const x = g.input('x', 'float32', [1, 2]);
    const w = g.op('Constant', [], {
      value: { tensor: { type: 'float32', dims: [2, 2], values: [1, 0, 0, 1] } },
    });
    // alpha = 2 must be a FLOAT attribute although it is integral.
    const gemm = g.op('Gemm', [x, w, g.float32s([0.5, 0.5])], { alpha: { float: 2 }, transB: 1 });
    g.output(g.op('Gelu', [g.op('Tanh', [gemm])]), 'float32', [1, 2], 'y');
    const image = g.input('image', 'float32', [1, 1, 2, 2]);
    g.output(
      g.op('Resize', [image, '', g.float32s([1, 1, 2, 2])], { mode: 'nearest' }),
      'float32',
      [1, 1, 4, 4],
      'big',
    );
    const session = await InferenceSession.create(g.toBytes(), sessionOptions);
    const result = await session.run({
      x: new Tensor('float32', Float32Array.from([1, -1]), [1, 2]),
      image: new Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]),
    });
    const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
    const y = Array.from(result.y!.data as Float32Array);
    assert.ok(Math.abs(y[0]! - gelu(Math.tanh(2.5))) < 1e-6);
    assert.ok(Math.abs(y[1]! - gelu(Math.tanh(-1.5))) < 1e-6);
    assert.deepEqual(
      Array.from(result.big!.data as Float32Array),
      [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4],
    );
    await session.release();
  });

  it('rejects a reused value name and mismatched initializer sizes', () => {
    const g = createGraphBuilder({ name: 'bad' });
    g.input('x', 'float32', [1]);
    assert.throws(() => g.input('x', 'float32', [1]), /already used/);
    assert.throws(() => g.initializer('w', 'float32', [2, 2], new Float32Array(3)), /need 4 values, got 3/);
  });
});

/** erf by its Maclaurin series (accurate to double precision for |v| < 3): the reference for Gelu. */
function erf(v: number): number {
  let term = v;
  let sum = v;
  for (let n = 1; n < 60; n++) {
    term *= (-v * v) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
