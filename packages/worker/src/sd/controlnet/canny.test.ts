import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createRandomStream } from '../../random/index.js';
import { detectCannyEdges } from './canny.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** Synthetic RGB test images: shapes, gradients, thin lines, noise; each with its seed-derived content. */
function syntheticImages(): { name: string; width: number; height: number; rgb: Uint8Array }[] {
  const images: { name: string; width: number; height: number; rgb: Uint8Array }[] = [];
  const make = (
    name: string,
    width: number,
    height: number,
    pixel: (x: number, y: number, c: number) => number,
  ) => {
    const rgb = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < 3; c++)
          rgb[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(pixel(x, y, c))));
    images.push({ name, width, height, rgb });
  };
  make('square', 32, 24, (x, y) => (x >= 8 && x < 20 && y >= 6 && y < 16 ? 255 : 0));
  make('disc-colour', 40, 40, (x, y, c) =>
    (x - 19.5) ** 2 + (y - 20) ** 2 < 150 ? [200, 40, 90][c]! : [10, 180, 60][c]!,
  );
  make('diagonal', 33, 31, (x, y) => (x + 2 * y > 40 ? 230 : 20));
  make('anti-diagonal', 30, 30, (x, y) => (x - y > 3 ? 180 : 60));
  make('ramp-and-line', 48, 20, (x, y) => (y === 9 ? 255 : x * 5));
  make('channels-differ', 24, 24, (x, y, c) =>
    c === 0 ? (x > 11 ? 255 : 0) : c === 1 ? (y > 7 ? 200 : 0) : 128,
  );
  for (const seed of [1, 2, 3]) {
    const random = createRandomStream({ seed, stream: 0 });
    const noise = Array.from({ length: 36 * 28 * 3 }, () => random.nextUint32() % 256);
    make(`noise-${seed}`, 36, 28, (x, y, c) => noise[(y * 36 + x) * 3 + c]!);
  }
  const random = createRandomStream({ seed: 9, stream: 0 });
  const blobs = Array.from({ length: 6 }, () => [
    random.nextUint32() % 64,
    random.nextUint32() % 48,
    4 + (random.nextUint32() % 12),
    random.nextUint32() % 256,
  ]);
  make('blobs', 64, 48, (x, y, c) =>
    blobs.reduce(
      (v, [bx, by, r, value]) => ((x - bx!) ** 2 + (y - by!) ** 2 < r! ** 2 ? (value! + 60 * c) % 256 : v),
      30,
    ),
  );
  return images;
}

describe('detectCannyEdges', () => {
  it("outlines a square as cv2.Canny does (OpenCV's asymmetric tie rule shifts the top-left edges out)", () => {
    const width = 12;
    const height = 12;
    const grey = new Uint8Array(width * height);
    for (let y = 3; y < 9; y++) for (let x = 3; x < 9; x++) grey[y * width + x] = 255;
    const edges = detectCannyEdges({
      data: grey,
      width,
      height,
      channels: 1,
      lowThreshold: 100,
      highThreshold: 200,
    });
    const rows = Array.from({ length: height }, (_, y) =>
      Array.from(edges.slice(y * width, (y + 1) * width), (v) => (v ? '#' : '.')).join(''),
    );
    // Printed by cv2.Canny(g, 100, 200) (OpenCV 4.6): a step gives two pixels of equal |dx|; a pixel survives when
    // greater than the one before it and not smaller than the one after it, so the left/top edge lands outside
    // the square and the right/bottom edge inside it.
    assert.deepEqual(rows, [
      '............',
      '............',
      '....####....',
      '...#....#...',
      '..#.....#...',
      '..#.....#...',
      '..#.....#...',
      '..#.....#...',
      '...######...',
      '............',
      '............',
      '............',
    ]);
  });

  it('gives nothing on a flat image and applies the thresholds (weak edges need a strong neighbour)', () => {
    const flat = new Uint8Array(16 * 16 * 3).fill(77);
    assert.ok(
      detectCannyEdges({
        data: flat,
        width: 16,
        height: 16,
        channels: 3,
        lowThreshold: 1,
        highThreshold: 2,
      }).every((v) => v === 0),
    );
    // A step of 40 gives |dx| = 160: an edge with high 150, nothing with low 170.
    const step = Uint8Array.from({ length: 16 * 8 }, (_, i) => (i % 16 >= 8 ? 140 : 100));
    const count = (low: number, high: number) =>
      detectCannyEdges({
        data: step,
        width: 16,
        height: 8,
        channels: 1,
        lowThreshold: low,
        highThreshold: high,
      }).filter((v) => v).length;
    assert.equal(count(100, 150), 8);
    assert.equal(count(170, 300), 0);
    assert.equal(count(100, 300), 0, 'weak pixels without a strong one are dropped');
    assert.equal(count(150, 100), 8, 'thresholds given in the wrong order are swapped');
  });

  it('refuses malformed input', () => {
    assert.throws(
      () =>
        detectCannyEdges({
          data: new Uint8Array(5),
          width: 2,
          height: 2,
          channels: 1,
          lowThreshold: 1,
          highThreshold: 2,
        }),
      /5 bytes/,
    );
    assert.throws(
      () =>
        detectCannyEdges({
          data: new Uint8Array(8),
          width: 2,
          height: 2,
          channels: 2,
          lowThreshold: 1,
          highThreshold: 2,
        }),
      /channels/,
    );
  });

  it('equals OpenCV cv2.Canny (the controlnet_aux CannyDetector call) on synthetic images, bit for bit', async (t) => {
    const available =
      existsSync(PYTHON) &&
      (await run(PYTHON, ['-c', 'import cv2, numpy']).then(
        () => true,
        () => false,
      ));
    if (!available)
      assert.fail('Missing the OpenCV reference: run `bash scripts/ensure-system-deps.sh` (python3-opencv).');
    const folder = await mkdtemp(join(tmpdir(), 'verinet-canny-'));
    t.after(() => rm(folder, { recursive: true, force: true }));
    const cases: { name: string; low: number; high: number; expected: Uint8Array; actual: Uint8Array }[] = [];
    const script = `
import sys, numpy, cv2
for path, w, h, low, high in zip(*[iter(sys.argv[1:])] * 5):
    rgb = numpy.fromfile(path, dtype=numpy.uint8).reshape(int(h), int(w), 3)
    sys.stdout.write(cv2.Canny(rgb, float(low), float(high)).tobytes().hex() + "\\n")
`;
    const args: string[] = [];
    for (const image of syntheticImages()) {
      for (const [low, high] of [
        [100, 200],
        [50, 120],
        [20, 400],
        [150.7, 80.2],
      ] as const) {
        const path = join(folder, `${image.name}.rgb`);
        await writeFile(path, image.rgb);
        args.push(path, String(image.width), String(image.height), String(low), String(high));
        cases.push({
          name: `${image.name} ${low}/${high}`,
          low,
          high,
          expected: new Uint8Array(),
          actual: detectCannyEdges({
            data: image.rgb,
            width: image.width,
            height: image.height,
            channels: 3,
            lowThreshold: low,
            highThreshold: high,
          }),
        });
      }
    }
    const { stdout } = await run(PYTHON, ['-c', script, ...args], { timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, cases.length);
    const mismatches = cases
      .filter((c, i) => Buffer.from(c.actual).toString('hex') !== lines[i])
      .map((c) => c.name);
    assert.deepEqual(mismatches, []);
    assert.ok(cases.some((c) => c.actual.some((v) => v === 255)));
  });
});
