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
