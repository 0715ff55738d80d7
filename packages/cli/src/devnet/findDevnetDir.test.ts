import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { captureCli } from '../cli/captureCli.js';
import { createTestDevnetNetwork } from './createTestDevnetNetwork.js';
import { findDevnetDir } from './findDevnetDir.js';

const root = mkdtempSync(join(tmpdir(), 'verinet-find-devnet-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('findDevnetDir', () => {
  // A repository with its devnet at the root, and a package folder below it (trial s14: packages/sdk).
  const repo = join(root, 'repo');
  const devnet = join(repo, '.verinet', 'devnet');
  const sdk = join(repo, 'packages', 'sdk');
  mkdirSync(devnet, { recursive: true });
  mkdirSync(join(repo, '.git'));
  mkdirSync(sdk, { recursive: true });

  it('the default folder is found in a folder above, up to the repository root', () => {
    assert.equal(findDevnetDir('.verinet/devnet', sdk), devnet);
    assert.equal(findDevnetDir('./.verinet/devnet', sdk), devnet);
    assert.equal(findDevnetDir('.verinet/devnet', repo), devnet);
  });

  it('a folder of its own, an absolute one, or none found: taken against the current folder', () => {
    assert.equal(findDevnetDir('mine', sdk), join(sdk, 'mine'));
    assert.equal(findDevnetDir(join(root, 'elsewhere'), sdk), join(root, 'elsewhere'));
    // Not past the repository root: a devnet of an enclosing folder belongs to another checkout.
    const outer = join(root, 'outer');
    mkdirSync(join(outer, '.verinet', 'devnet'), { recursive: true });
    const inner = join(outer, 'checkout', 'packages', 'cli');
    mkdirSync(inner, { recursive: true });
    mkdirSync(join(outer, 'checkout', '.git'));
    assert.equal(findDevnetDir('.verinet/devnet', inner), join(inner, '.verinet', 'devnet'));
  });

  it('`verinet task list` from a package folder reads the devnet at the root', async () => {
    writeFileSync(
      join(devnet, 'network.json'),
      JSON.stringify(createTestDevnetNetwork({ dir: devnet, pid: 999_999_999, running: false })),
    );
    const cwd = process.cwd();
    process.chdir(sdk);
    try {
      const run = await captureCli(['task', 'list']);
      assert.equal(run.status, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /No devnet folder/);
    } finally {
      process.chdir(cwd);
    }
  });
});
