import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidPixelsError } from './errors.js';
import { resizeLanczos } from './resizeLanczos.js';
import type { LumaImage } from './types.js';

// 7×5 grey ramp (x*37 + y*91) % 256; expected outputs from Pillow 9.4 `resize(size, Image.LANCZOS)`.
const source: LumaImage = {
  data: Uint8Array.from({ length: 35 }, (_, i) => ((i % 7) * 37 + Math.floor(i / 7) * 91) % 256),
  width: 7,
  height: 5,
};

test('resizeLanczos matches Pillow when shrinking', () => {
  const out = resizeLanczos({ image: source, width: 3, height: 4 });
  assert.deepEqual([...out.data], [34, 145, 173, 153, 135, 75, 86, 74, 196, 117, 153, 74]);
});

test('resizeLanczos matches Pillow when shrinking one axis and growing the other', () => {
  const out = resizeLanczos({ image: source, width: 4, height: 9 });
  assert.deepEqual(
    [...out.data],
    [
      7, 60, 134, 232, 29, 115, 169, 155, 85, 177, 198, 50, 181, 132, 129, 42, 203, 45, 60, 136, 103, 40, 115,
      227, 28, 110, 160, 210, 81, 179, 102, 98, 134, 214, 52, 18,
    ],
  );
});

test('resizeLanczos copies an image already at the target size', () => {
  const out = resizeLanczos({ image: source, width: 7, height: 5 });
  assert.deepEqual(out.data, source.data);
  assert.notEqual(out.data, source.data);
});

test('resizeLanczos keeps a flat image flat and clips ringing into 0..255', () => {
  const flat = resizeLanczos({
    image: { data: new Uint8Array(64 * 48).fill(200), width: 64, height: 48 },
    width: 32,
    height: 32,
  });
  assert.ok(flat.data.every((v) => v === 200));
  const edge = Uint8Array.from({ length: 40 * 40 }, (_, i) => (i % 40 < 20 ? 0 : 255));
  const out = resizeLanczos({ image: { data: edge, width: 40, height: 40 }, width: 32, height: 32 });
  assert.equal(out.data.length, 32 * 32);
  assert.equal(Math.min(...out.data), 0);
  assert.equal(Math.max(...out.data), 255);
});

test('resizeLanczos rejects a target size that is not a positive integer', () => {
  assert.throws(() => resizeLanczos({ image: source, width: 0, height: 4 }), InvalidPixelsError);
  assert.throws(() => resizeLanczos({ image: source, width: 3, height: 2.5 }), /target height 2.5/);
});
