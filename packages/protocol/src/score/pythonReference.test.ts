import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { getPHash } from './getPHash.js';
import { createSyntheticImages } from './study/syntheticImages.js';

const run = promisify(execFile);

/**
 * imagehash.phash (hash_size 8, highfreq_factor 4) restated with PIL + scipy, since Debian packages no
 * python3-imagehash: convert("L"), resize((32, 32), LANCZOS), DCT over axis 0 then axis 1, 8×8 corner,
 * bits above the median, hex of the bits read row-major, most significant first.
 */
const REFERENCE = `
import sys, numpy, scipy.fftpack
from PIL import Image
for path in sys.argv[1:]:
    image = Image.open(path).convert("L").resize((32, 32), Image.LANCZOS)
    pixels = numpy.asarray(image)
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    low = dct[:8, :8]
    bits = "".join("1" if b else "0" for b in (low > numpy.median(low)).flatten())
    print("{:016x}".format(int(bits, 2)))
`;

const PYTHON = '/usr/bin/python3';

async function referenceAvailable(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  try {
    await run(PYTHON, ['-c', 'import PIL, numpy, scipy']);
    return true;
  } catch {
    return false;
  }
}

test('getPHash equals the PIL + scipy imagehash reference on every synthetic image', async (t) => {
  if (!(await referenceAvailable())) {
    // Fail loudly rather than skip: the suite's bit-compatibility claim rests on this test.
    assert.fail(
      'Missing the Python reference: run `bash scripts/ensure-system-deps.sh` (python3-pil, numpy, scipy).',
    );
  }
  const images = await createSyntheticImages();
  assert.ok(images.length >= 50, `only ${images.length} images`);
  const folder = await mkdtemp(join(tmpdir(), 'verinet-phash-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  const paths = images.map((image) => join(folder, image.name));
  await Promise.all(images.map((image, i) => writeFile(paths[i]!, image.bytes)));

  const { stdout } = await run(PYTHON, ['-c', REFERENCE, ...paths], { timeout: 60_000 });
  const expected = stdout.trim().split('\n');
  assert.equal(expected.length, images.length);

  const mismatches: string[] = [];
  for (const [i, image] of images.entries()) {
    const actual = Buffer.from(await getPHash(image.bytes)).toString('hex');
    if (actual !== expected[i]) mismatches.push(`${image.name}: ours ${actual}, imagehash ${expected[i]}`);
  }
  assert.deepEqual(mismatches, [], `${mismatches.length} of ${images.length} differ`);
});
