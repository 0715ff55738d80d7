import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { countTestResults } from './countTestResults.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'scripts/fixtures/test-sh');
const workDir = mkdtempSync(join(tmpdir(), 'verinet-test-sh-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** A throwaway Foundry project holding the named fixture tests, compiled with the repository's solc. */
function makeForgeProject(name: string, solFiles: string[]): string {
  const dir = join(workDir, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'test'), { recursive: true });
  for (const file of solFiles) copyFileSync(join(fixtures, 'forge', file), join(dir, 'test', file));
  writeFileSync(
    join(dir, 'foundry.toml'),
    [
      '[profile.default]',
      `solc = "${join(root, 'contracts/tools/solc')}"`,
      'offline = true',
      'auto_detect_solc = false',
      'evm_version = "cancun"',
      '',
    ].join('\n'),
  );
  return dir;
}

type Run = { code: number | null; output: string };

/** Runs scripts/test.sh itself (not a copy of its logic) on fixture folders. */
function runTestScript(env: Record<string, string>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    VERINET_TEST_SKIP_LINT: '1',
    FORGE_PROFILE: 'default',
  };
  // Set by node's test runner for its own children; a nested `node --test` must not inherit it, or it
  // reports to this process in the runner's internal format instead of printing its summary.
  delete childEnv.NODE_TEST_CONTEXT;
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(root, 'scripts/test.sh')], { cwd: root, env: childEnv });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

function finalLine(output: string): string {
  const lines = output.trimEnd().split('\n');
  return lines[lines.length - 1] ?? '';
}

describe('scripts/test.sh', { timeout: 240_000 }, () => {
  test('a failing forge test, a failing node test and a hanging node test fail the run, with the right counts', async () => {
    const forgeDir = makeForgeProject('red', ['Passing.t.sol', 'Failing.t.sol']);
    const run = await runTestScript({
      VERINET_TEST_FORGE_DIR: forgeDir,
      VERINET_TEST_NODE_DIRS: join(fixtures, 'node'),
      VERINET_TEST_NODE_GLOB: '*.fixture.ts',
      VERINET_TEST_TIMEOUT_MS: '8000',
    });
    assert.notEqual(run.code, 0, run.output);
    // forge: 1 passed, 1 failed. node: 3 passed; 1 failed and 1 cancelled (the hang) count as 2 failed.
    assert.match(run.output, /^forge: 1 passed, 1 failed; node: 3 passed, 2 failed/m, run.output);
    assert.equal(finalLine(run.output), '4 passed, 3 failed', run.output);
  });

  test('a green fixture exits 0 and says so', async () => {
    const forgeDir = makeForgeProject('green', ['Passing.t.sol']);
    const run = await runTestScript({
      VERINET_TEST_FORGE_DIR: forgeDir,
      VERINET_TEST_NODE_DIRS: join(fixtures, 'node'),
      VERINET_TEST_NODE_GLOB: 'passes.fixture.ts',
      VERINET_TEST_TIMEOUT_MS: '60000',
    });
    assert.equal(run.code, 0, run.output);
    assert.equal(finalLine(run.output), '3 passed, 0 failed', run.output);
  });

  test('contracts that do not compile fail the run although forge prints no summary', async () => {
    const forgeDir = makeForgeProject('broken', ['Passing.t.sol', 'Broken.t.sol']);
    const run = await runTestScript({
      VERINET_TEST_FORGE_DIR: forgeDir,
      VERINET_TEST_NODE_DIRS: join(fixtures, 'node'),
      VERINET_TEST_NODE_GLOB: 'passes.fixture.ts',
      VERINET_TEST_TIMEOUT_MS: '60000',
    });
    assert.notEqual(run.code, 0, run.output);
    assert.equal(finalLine(run.output), '2 passed, 1 failed', run.output);
  });
});

describe('countTestResults', () => {
  test('reads the closing summary of forge test', () => {
    const output = [
      'Ran 3 tests for test/A.t.sol:A',
      'Suite result: FAILED. 2 passed; 1 failed; 0 skipped; finished in 1.2ms',
      '',
      'Ran 2 test suites in 25.61ms (2.01ms CPU time): 41 tests passed, 2 failed, 0 skipped (43 total tests)',
    ].join('\n');
    assert.deepEqual(countTestResults('forge', output), { passed: 41, failed: 2 });
    assert.deepEqual(
      countTestResults(
        'forge',
        'Ran 1 test suite in 1ms (1ms CPU time): 1 tests passed, 0 failed, 0 skipped',
      ),
      { passed: 1, failed: 0 },
    );
  });

  test('counts cancelled node tests (timeouts) as failed', () => {
    const output = ['ℹ tests 9', 'ℹ pass 5', 'ℹ fail 1', 'ℹ cancelled 3', 'ℹ skipped 0', 'ℹ todo 0'].join(
      '\n',
    );
    assert.deepEqual(countTestResults('node', output), { passed: 5, failed: 4 });
  });

  test('ignores colour codes and gives zero counts when there is no summary', () => {
    assert.deepEqual(countTestResults('node', '\u001b[34mℹ pass 7\u001b[39m\n\u001b[34mℹ fail 0\u001b[39m'), {
      passed: 7,
      failed: 0,
    });
    assert.deepEqual(
      countTestResults('forge', 'Compiler run failed:\nError (7576): Undeclared identifier.'),
      {
        passed: 0,
        failed: 0,
      },
    );
  });
});
