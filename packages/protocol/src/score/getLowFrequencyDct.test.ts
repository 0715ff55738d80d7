import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getLowFrequencyDct } from './getLowFrequencyDct.js';
import { createRandom } from './study/syntheticImages.js';

/** The textbook double sum, scipy's unnormalised DCT-II along both axes. */
function naiveDct(pixels: number[], size: number, keep: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < keep; k++)
    for (let l = 0; l < keep; l++) {
      let sum = 0;
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++)
          sum +=
            pixels[y * size + x]! *
            Math.cos((Math.PI * k * (2 * y + 1)) / (2 * size)) *
            Math.cos((Math.PI * l * (2 * x + 1)) / (2 * size));
      out.push(4 * sum);
    }
  return out;
}

test('getLowFrequencyDct equals the direct DCT-II double sum', () => {
  const random = createRandom(7);
  const pixels = Array.from({ length: 32 * 32 }, () => Math.floor(random() * 256));
  const fast = getLowFrequencyDct({ pixels, size: 32, keep: 8 });
  const slow = naiveDct(pixels, 32, 8);
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(fast[i]! - slow[i]!) < 1e-6, `coefficient ${i}`);
});

test('getLowFrequencyDct gives exact zeros where symmetry forces them, as scipy does', () => {
  const flat = getLowFrequencyDct({ pixels: new Array(1024).fill(131), size: 32, keep: 8 });
  assert.equal(flat[0], 131 * 4 * 32 * 32);
  assert.ok(flat.subarray(1).every((v) => v === 0));
  // Mirror-symmetric columns: every odd horizontal frequency vanishes exactly.
  const mirrored = Array.from({ length: 1024 }, (_, i) => {
    const x = i % 32;
    const y = i >> 5;
    return ((Math.min(x, 31 - x) * 17) ^ (y * 29)) & 255;
  });
  const low = getLowFrequencyDct({ pixels: mirrored, size: 32, keep: 8 });
  for (let k = 0; k < 8; k++) for (let l = 1; l < 8; l += 2) assert.equal(low[k * 8 + l], 0);
});
