import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getImageScore } from '@verinet/protocol/score';
import { tinyGpt2ModelId, writeTinyGpt2 } from '../llm/tiny/writeTinyGpt2.js';
import { writeTinySdModel } from '../sd/tiny/index.js';
import { WorkerTaskError } from './errors.js';
import { WorkerSupervisor } from './supervisor.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 180_000 };
const teardownTimeout = { timeout: 60_000 };

let root: string;
let modelsDir: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-default-backends-'));
  modelsDir = join(root, 'models');
  await writeTinyGpt2({ modelsDir });
  await writeTinySdModel({ modelsDir, modelId: 'verinet/tiny-sd' });
}, setupTimeout);
after(async () => {
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

test('the default worker lists both backends and runs an SD task with the pHash score', async () => {
  const worker = new WorkerSupervisor({
    modelsDir,
    threads: 2,
    handshakeTimeoutMs: 30_000,
    taskTimeoutMs: 60_000,
    // The tiny task ends well within the default interval, which would coalesce its progress away.
    progressIntervalMs: 0,
  });
  try {
    const handshake = await worker.start();
    assert.deepEqual(
      handshake.backends.map((b) => [b.taskType, b.models]),
      [
        ['llm', [tinyGpt2ModelId]],
        ['sd', ['verinet/tiny-sd']],
      ],
    );
    assert.equal(handshake.threads, 2);
    const outputDir = join(root, 'sd-out');
    await mkdir(outputDir);
    const steps: number[] = [];
    const result = await worker.run({
      taskType: 'sd',
      args: {
        base_model: 'verinet/tiny-sd',
        prompt: 'a red cat',
        task_config: { image_width: 64, image_height: 64, steps: 2, seed: 3, num_images: 2 },
      },
      outputDir,
      onProgress: (p) => steps.push(p.step),
    });
    assert.deepEqual(
      result.files.map((f) => [f.name, f.mediaType]),
      [
        ['0.png', 'image/png'],
        ['1.png', 'image/png'],
      ],
    );
    assert.ok(steps.length > 0);
    const pngs = await Promise.all(result.files.map((f) => readFile(f.path)));
    assert.equal(result.score, Buffer.from(await getImageScore(pngs)).toString('hex'));
    assert.equal(result.score.length, 32);

    // A model the store does not hold is the node's problem: model_missing, never invalid_args.
    const missingDir = join(root, 'sd-missing');
    await mkdir(missingDir);
    await assert.rejects(
      worker.run({
        taskType: 'sd',
        args: { base_model: 'nobody/absent', prompt: 'x' },
        outputDir: missingDir,
      }),
      (error: unknown) => error instanceof WorkerTaskError && error.kind === 'model_missing',
    );
  } finally {
    await worker.stop();
  }
});
