import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseIntegerFlag } from './parseIntegerFlag.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Runs `node --import tsx` on the arguments: the bench scripts and the helper end the process on a bad flag. */
function runTsx(args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout };
}

describe('parseIntegerFlag: the benchmarks’ integer flags', { timeout: 300_000 }, () => {
  it('reads an integer at or above the minimum', () => {
    assert.equal(parseIntegerFlag('tasks', '3000', 1), 3000);
    assert.equal(parseIntegerFlag('prune-history', '0', 0), 0);
    assert.equal(parseIntegerFlag('tasks', '1', 1), 1);
  });

  it('ends the run with one line naming the flag and exit 1 for anything else, an empty value included', () => {
    for (const [text, min, wanted] of [
      ['', 0, 'an integer ≥ 0'],
      ['2.5', 1, 'a positive integer'],
      ['-1', 0, 'an integer ≥ 0'],
      ['0', 1, 'a positive integer'],
      ['1e300', 1, 'a positive integer'],
    ] as const) {
      const run = runTsx([
        '--input-type=module',
        '-e',
        `const { parseIntegerFlag } = await import(${JSON.stringify(here('./parseIntegerFlag.ts'))});
         parseIntegerFlag('window', ${JSON.stringify(text)}, ${min});
         console.log('accepted');`,
      ]);
      assert.equal(run.status, 1, `${text}: ${run.stdout}${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `error: --window must be ${wanted}, got "${text}".\n`);
    }
  });

  it('bench:anvil-growth and bench:network refuse a bad integer flag before starting anything', () => {
    const growth = runTsx([here('./anvilGrowth.ts'), '--prune-history=-5']);
    assert.equal(growth.status, 1, growth.stdout);
    assert.equal(growth.stderr, 'error: --prune-history must be an integer ≥ 0, got "-5".\n');
    const network = runTsx([here('./network.ts'), '--apps', 'many']);
    assert.equal(network.status, 1, network.stdout);
    assert.equal(network.stderr, 'error: --apps must be a positive integer, got "many".\n');
  });
});
