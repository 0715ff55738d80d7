import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(import.meta.url), '../../../..');
const linked = resolve(repo, 'node_modules/.bin/verinet');

describe('the verinet binary as `npx verinet` finds it', () => {
  it('is linked into node_modules/.bin by npm install and runs through its shebang', () => {
    assert.ok(existsSync(linked), 'npm install links the workspace bin (packages/cli/package.json "bin")');
    assert.equal(realpathSync(linked), realpathSync(resolve(repo, 'packages/cli/src/bin.ts')));
    // Run from a sub-folder, as a user inside the repository would.
    const result = spawnSync(linked, ['--version'], {
      cwd: resolve(repo, 'docs'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('an unexpected failure still prints one line, without a stack trace', () => {
    const result = spawnSync(linked, ['keystore', 'address', resolve(repo, 'no-such-keystore.json')], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, VERINET_KEYSTORE_PASSWORD: 'x', DEBUG: '' },
    });
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^error: No keystore at /);
  });
});
