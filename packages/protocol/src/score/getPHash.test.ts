import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { ImageDecodeError, InvalidPixelsError } from './errors.js';
import { getImageScore } from './getImageScore.js';
import { getPHash } from './getPHash.js';
import { drawPixels, drawSmoothScene, encodeJpeg, encodePng } from './study/syntheticImages.js';

// 40×24 RGB pattern; expected hex from Python: imagehash's phash steps with Pillow 9.4 and scipy 1.10.
const pattern = drawPixels(
  40,
  24,
  3,
  (x, y, c) => [(x * x + y * 3) % 256, (x * y) % 256, (255 - x * 5) % 256][c]!,
);
const PATTERN_HASH = '833e71664c5b56a5';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('getPHash of raw pixels matches imagehash.phash', async () => {
  assert.equal(hex(await getPHash(pattern)), PATTERN_HASH);
});

test('getPHash of the PNG encoding equals the hash of its pixels', async () => {
  const hash = await getPHash(await encodePng(pattern));
  assert.equal(hash.length, 8);
  assert.equal(hex(hash), PATTERN_HASH);
});

test('getPHash of a flat image sets only the DC bit', async () => {
  assert.equal(hex(await getPHash(drawPixels(9, 9, 1, () => 90))), '8000000000000000');
});

test('getPHash is stable under JPEG re-encoding and differs for other content', async () => {
  const scene = drawSmoothScene(256, 256, 1);
  const original = await getPHash(await encodePng(scene));
  const jpeg = await getPHash(await encodeJpeg(scene, 90));
  const other = await getPHash(await encodePng(drawSmoothScene(256, 256, 2)));
  const bits = (a: Uint8Array, b: Uint8Array) => a.reduce((n, v, i) => n + popcount(v ^ b[i]!), 0);
  assert.ok(bits(original, jpeg) <= 4, `re-encode moved ${bits(original, jpeg)} bits`);
  assert.ok(bits(original, other) >= 16, `unrelated image only ${bits(original, other)} bits away`);
});

test('getPHash rejects undecodable bytes and inconsistent pixels with typed errors', async () => {
  await assert.rejects(getPHash(new Uint8Array([1, 2, 3, 4])), ImageDecodeError);
  const cmyk = await sharp(await encodePng(pattern))
    .toColourspace('cmyk')
    .jpeg()
    .toBuffer();
  await assert.rejects(getPHash(new Uint8Array(cmyk)), /CMYK images are not supported/);
  await assert.rejects(
    getPHash({ data: new Uint8Array(5), width: 2, height: 2, channels: 1 }),
    InvalidPixelsError,
  );
  await assert.rejects(
    getPHash({ data: new Uint8Array(0), width: 0, height: 0, channels: 3 }),
    InvalidPixelsError,
  );
});

test('getImageScore concatenates per-image hashes in index order', async () => {
  const second = drawSmoothScene(64, 64, 3);
  const score = await getImageScore([await encodePng(pattern), second]);
  assert.equal(score.length, 16);
  assert.equal(hex(score.subarray(0, 8)), PATTERN_HASH);
  assert.deepEqual(score.subarray(8), await getPHash(second));
  assert.equal((await getImageScore([])).length, 0);
  await assert.rejects(getImageScore([pattern, new Uint8Array([0])]), (error: unknown) => {
    assert.ok(error instanceof ImageDecodeError);
    assert.match(error.message, /image 1/);
    return true;
  });
});

function popcount(v: number): number {
  let n = 0;
  for (let x = v; x; x &= x - 1) n++;
  return n;
}
