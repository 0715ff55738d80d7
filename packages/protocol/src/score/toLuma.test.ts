import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidPixelsError } from './errors.js';
import { toLuma } from './toLuma.js';

test('toLuma uses PIL fixed-point ITU-R 601 weights and drops alpha', () => {
  const rgba = Uint8Array.from([255, 0, 0, 0, 0, 255, 0, 9, 0, 0, 255, 255, 10, 200, 30, 128]);
  // PIL: Image.new("RGB", (1, 1), c).convert("L") → 76, 150, 29, 124.
  assert.deepEqual([...toLuma({ data: rgba, width: 4, height: 1, channels: 4 }).data], [76, 150, 29, 124]);
  assert.deepEqual(
    [...toLuma({ data: rgba.subarray(0, 12), width: 4, height: 1, channels: 3 }).data],
    [76, 29, 5, 179],
  );
  assert.deepEqual(
    [...toLuma({ data: Uint8Array.from([7, 1, 9, 2]), width: 2, height: 1, channels: 2 }).data],
    [7, 9],
  );
  for (let v = 0; v < 256; v++) {
    assert.equal(toLuma({ data: Uint8Array.from([v, v, v]), width: 1, height: 1, channels: 3 }).data[0], v);
  }
});

test('toLuma rejects pixels whose shape does not add up', () => {
  assert.throws(
    () => toLuma({ data: new Uint8Array(5), width: 1, height: 2, channels: 3 }),
    InvalidPixelsError,
  );
  assert.throws(
    () => toLuma({ data: new Uint8Array(4), width: 1.5, height: 2, channels: 1 }),
    InvalidPixelsError,
  );
  assert.throws(
    () => toLuma({ data: new Uint8Array(5), width: 1, height: 1, channels: 5 as never }),
    /channels 5 is not 1, 2, 3 or 4/,
  );
});
