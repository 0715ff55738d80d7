import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandomStream, fillGaussian, philox4x32, portableLog, portableSinCos2Pi } from './index.js';

const hex = (words: Uint32Array) => Array.from(words, (w) => w.toString(16).padStart(8, '0')).join(' ');

describe('philox4x32', () => {
  // Known-answer vectors published with Random123 (kat_vectors): counter, key -> output.
  it('matches the Random123 known answers', () => {
    assert.equal(hex(philox4x32([0, 0, 0, 0], [0, 0])), '6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const ones = 0xffffffff;
    assert.equal(
      hex(philox4x32([ones, ones, ones, ones], [ones, ones])),
      '408f276d 41c83b0e a20bc7c6 6d5451fd',
    );
    assert.equal(
      hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])),
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });
});

describe('createRandomStream', () => {
  it('reads block b of stream s as philox([b, 0, s, 0], [seed low, seed high])', () => {
    const seed = 2 ** 40 + 5;
    const stream = createRandomStream({ seed, stream: 3 });
    const words = Uint32Array.from({ length: 8 }, () => stream.nextUint32());
    assert.equal(hex(words.subarray(0, 4)), hex(philox4x32([0, 0, 3, 0], [5, 256])));
    assert.equal(hex(words.subarray(4, 8)), hex(philox4x32([1, 0, 3, 0], [5, 256])));
  });

  it('separates seeds and streams and rejects bad seeds', () => {
    const first = (seed: number, s: number) => createRandomStream({ seed, stream: s }).nextUint32();
    assert.notEqual(first(1, 0), first(2, 0));
    assert.notEqual(first(1, 0), first(1, 1));
    assert.throws(() => createRandomStream({ seed: -1 }), RangeError);
    assert.throws(() => createRandomStream({ seed: 1.5 }), RangeError);
  });
});

describe('portable math', () => {
  it('portableLog agrees with Math.log to 1e-15 relative', () => {
    for (const x of [1e-10, 0.5 / 2 ** 32, 0.1, 0.5, 0.7, Math.SQRT2, 0.99999, 1, 1.5, 2, 1234.5]) {
      const expected = Math.log(x);
      assert.ok(Math.abs(portableLog(x) - expected) <= 1e-15 * Math.max(1, Math.abs(expected)), `log(${x})`);
    }
    assert.throws(() => portableLog(0), RangeError);
  });

  it('portableSinCos2Pi agrees with Math.sin/cos to 1e-15 on every quadrant', () => {
    for (let i = 0; i < 1000; i++) {
      const u = (i + 0.37) / 1000;
      const [s, c] = portableSinCos2Pi(u);
      assert.ok(Math.abs(s - Math.sin(2 * Math.PI * u)) < 1e-15, `sin at ${u}`);
      assert.ok(Math.abs(c - Math.cos(2 * Math.PI * u)) < 1e-15, `cos at ${u}`);
    }
  });
});

describe('fillGaussian', () => {
  it('produces pinned float32 bits (portable golden values)', () => {
    const out = fillGaussian(createRandomStream({ seed: 42, stream: 7 }), new Float32Array(6));
    const bits = Array.from(new Uint32Array(out.buffer), (w) => w.toString(16));
    assert.deepEqual(bits, ['3f8856dd', 'bf51494d', 'bf289034', '3f9101bf', 'bea841a0', '3ea7c2c6']);
  });

  it('is Box-Muller over the stream words', () => {
    const words = createRandomStream({ seed: 9 });
    const u1 = words.nextOpenUnit();
    const u2 = words.nextOpenUnit();
    const [z0, z1] = fillGaussian(createRandomStream({ seed: 9 }), new Float32Array(2));
    const r = Math.sqrt(-2 * Math.log(u1));
    assert.ok(Math.abs(z0! - r * Math.cos(2 * Math.PI * u2)) < 1e-6);
    assert.ok(Math.abs(z1! - r * Math.sin(2 * Math.PI * u2)) < 1e-6);
  });

  it('has mean 0 and variance 1', () => {
    const values = fillGaussian(createRandomStream({ seed: 1234 }), new Float32Array(200_000));
    let sum = 0;
    let squares = 0;
    for (const v of values) {
      sum += v;
      squares += v * v;
    }
    const mean = sum / values.length;
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(squares / values.length - mean * mean - 1) < 0.01);
  });
});
