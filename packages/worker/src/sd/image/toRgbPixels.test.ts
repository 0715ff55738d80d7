import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toRgbPixels } from './toRgbPixels.js';

describe('toRgbPixels', () => {
  it('maps [-1, 1] to 0..255 with clamping and numpy half-to-even rounding, CHW to interleaved RGB', () => {
    // 2×1 image: channel planes R = [-1, 0], G = [1, 2], B = [-3, 0.5].
    const sample = Float32Array.from([-1, 0, 1, 2, -3, 0.5]);
    // 0 -> 0.5 · 255 = 127.5 -> 128 (even); 0.5 -> 0.75 · 255 = 191.25 -> 191.
    assert.deepEqual(Array.from(toRgbPixels({ sample, width: 2, height: 1 })), [0, 255, 0, 128, 255, 191]);
  });

  it('reads the image at an index of a batch and checks the size', () => {
    const sample = Float32Array.from([0, 0, 0, 1, 1, -1]);
    assert.deepEqual(Array.from(toRgbPixels({ sample, width: 1, height: 1, index: 1 })), [255, 255, 0]);
    assert.throws(() => toRgbPixels({ sample, width: 2, height: 1, index: 1 }), RangeError);
  });
});
