import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeTaskArgs } from '@verinet/protocol/args';
import sharp from 'sharp';
import { RelayError } from '../errors/RelayError.js';
import { checkResultFiles } from './checkResultFiles.js';

const png = (width: number, height: number, shade: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: shade, g: 40, b: 90 } } })
    .png()
    .toBuffer()
    .then((b) => new Uint8Array(b));

async function check(task: Record<string, unknown>, files: Uint8Array[]) {
  const { bytes } = encodeTaskArgs('sd', { base_model: 'a/b', prompt: 'x', ...task });
  return checkResultFiles({
    taskType: 'sd',
    argsBytes: bytes,
    names: files.map((_, i) => `${i}.png`),
    read: async (name) => files[Number.parseInt(name, 10)]!,
  });
}

const refusedAs = (pattern: RegExp) => (e: unknown) =>
  e instanceof RelayError && e.code === 'RESULT_IMAGE_INVALID' && pattern.test(e.message);

describe('checkResultFiles: image sizes', () => {
  it('holds a task to its size, 512 when a task below 1.2.0 leaves it out', async () => {
    const sized = { task_config: { image_width: 64, image_height: 96, num_images: 1 } };
    await check(sized, [await png(64, 96, 10)]);
    await assert.rejects(check(sized, [await png(96, 64, 10)]), refusedAs(/96×64 pixels.*64×96/));
    await assert.rejects(check({}, [await png(64, 64, 10)]), refusedAs(/512×512/));
  });

  it('from 1.2.0 takes any valid size the model chose where the task gives none, the same for every image', async () => {
    const task = { version: '1.2.0', task_config: { num_images: 2 } };
    await check(task, [await png(64, 96, 10), await png(64, 96, 200)]);
    await assert.rejects(
      check(task, [await png(64, 96, 10), await png(96, 64, 10)]),
      refusedAs(/1\.png: 96×64/),
    );
    await assert.rejects(
      check(task, [await png(60, 64, 10), await png(60, 64, 10)]),
      refusedAs(/0\.png: 60×64/),
    );
    const oneSide = { version: '1.2.0', task_config: { image_width: 64, num_images: 1 } };
    await check(oneSide, [await png(64, 128, 10)]);
    await assert.rejects(check(oneSide, [await png(72, 128, 10)]), refusedAs(/72×128.*64×the model default/));
  });
});

describe('checkResultFiles: the pixel budget is taken before any decode', () => {
  it('asks for width × height × 3 per image from the headers and decodes nothing when refused', async () => {
    const { bytes } = encodeTaskArgs('sd', {
      base_model: 'a/b',
      prompt: 'x',
      task_config: { image_width: 64, image_height: 96, num_images: 2 },
    });
    // Valid headers, bodies that do not decode: a decode before the budget would answer RESULT_IMAGE_INVALID.
    const torn = (await png(64, 96, 10)).slice(0, 60);
    const checkTorn = (reserve: (pixelBytes: number) => () => void) =>
      checkResultFiles({
        taskType: 'sd',
        argsBytes: bytes,
        names: ['0.png', '1.png'],
        read: async () => torn,
        reserve,
      });
    const asked: number[] = [];
    const busy = new Error('busy');
    await assert.rejects(
      checkTorn((pixelBytes) => {
        asked.push(pixelBytes);
        throw busy;
      }),
      (e) => e === busy,
    );
    assert.deepEqual(asked, [2 * 64 * 96 * 3]);
    let released = 0;
    await assert.rejects(
      checkTorn(() => () => released++),
      refusedAs(/does not decode/),
    );
    assert.equal(released, 1, 'released when the check fails');
  });
});

describe('checkResultFiles: pHash on worker threads', () => {
  it('scores a result exactly as on the main thread, while the event loop keeps running', async () => {
    const { makeSdResult } = await import('../test/resultFiles.js');
    const { createPHashPool } = await import('./createPHashPool.js');
    const result = await makeSdResult(256, 256, 3, 7);
    const { bytes } = encodeTaskArgs('sd', {
      base_model: 'a/b',
      prompt: 'x',
      task_config: { image_width: 256, image_height: 256, num_images: 3 },
    });
    const parameters = {
      taskType: 'sd' as const,
      argsBytes: bytes,
      names: result.files.map((f) => f.name),
      read: async (name: string) => result.files.find((f) => f.name === name)!.bytes,
    };
    const pool = createPHashPool({ maxThreads: 2 });
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const pooled = await checkResultFiles({ ...parameters, hashAll: pool.hashAll });
      clearInterval(timer);
      assert.equal(pooled, result.score, 'the score of the worker threads is the main thread one');
      assert.equal(await checkResultFiles(parameters), result.score);
      assert.ok(ticks > 0, 'timers ran while the images were hashed');
    } finally {
      await pool.close();
    }
  });

  it('bounds the pixels waiting to be hashed: a result beyond the bound is refused whole, one result always fits', async () => {
    const { createPHashPool, PHashPoolBusyError } = await import('./createPHashPool.js');
    const { getPixelsPHash } = await import('@verinet/protocol/score');
    const image = (seed: number) => ({
      data: new Uint8Array(256 * 256 * 3).map((_, i) => (i * seed) % 251),
      width: 256,
      height: 256,
      channels: 3 as const,
    });
    // Room for 3 such images (196,608 bytes each); one thread, so the first result is still pending.
    const pool = createPHashPool({ maxThreads: 1, maxPendingBytes: 3 * 196_608 });
    try {
      const big = [image(3), image(5), image(7), image(11)];
      const first = pool.hashAll(big); // above the bound alone, but nothing is pending: taken
      await assert.rejects(pool.hashAll([image(13)]), PHashPoolBusyError, 'nothing more while it is pending');
      const hashes = await first;
      assert.deepEqual(
        hashes.map((h) => Buffer.from(h)),
        big.map((p) => Buffer.from(getPixelsPHash(p))),
      );
      // Its bytes were released: the pool takes work again.
      const [again] = await pool.hashAll([image(13)]);
      assert.deepEqual(Buffer.from(again!), Buffer.from(getPixelsPHash(image(13))));
      const both = await Promise.allSettled([
        pool.hashAll([image(2), image(4)]),
        pool.hashAll([image(6), image(8)]),
      ]);
      assert.equal(both[0]!.status, 'fulfilled');
      assert.equal(both[1]!.status, 'rejected', '4 images pending would exceed the bound of 3');
    } finally {
      await pool.close();
    }
  });

  it('reserve counts pixels before they exist, and hashAll under a reservation does not count them again', async () => {
    const { createPHashPool, PHashPoolBusyError } = await import('./createPHashPool.js');
    const pool = createPHashPool({ maxThreads: 1, maxPendingBytes: 1000 });
    try {
      const release = pool.reserve(900);
      assert.throws(() => pool.reserve(200), PHashPoolBusyError);
      const [hash] = await pool.hashAll(
        [{ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64, channels: 3 }],
        { reserved: true },
      );
      assert.equal(hash!.length, 8);
      release();
      release(); // twice is harmless
      pool.reserve(1000)();
    } finally {
      await pool.close();
    }
  });
});
