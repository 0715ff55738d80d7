import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { claimDevnetDir } from './claimDevnetDir.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const teardownTimeout = { timeout: 60_000 };

const root = mkdtempSync(join(tmpdir(), 'verinet-claim-'));
after(() => rmSync(root, { recursive: true, force: true }), teardownTimeout);

test('a start after kill -9 stops the explorer indexer the killed devnet left running (SIGTERM first)', {
  timeout: 30_000,
}, async () => {
  // Stands in for Ponder: its command line names ponder.js as the real one's does, and it reports SIGTERM.
  const script = join(root, 'ponder.js');
  writeFileSync(
    script,
    "process.on('SIGTERM', () => { require('fs').writeFileSync(process.argv[2], 'term'); process.exit(0); }); setInterval(() => {}, 1000); process.stdout.write('up');",
  );
  const marker = join(root, 'terminated');
  const indexer = spawn(process.execPath, [script, marker], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => indexer.stdout.once('data', resolve));
  const exited = new Promise((resolve) => indexer.once('exit', resolve));
  const dir = join(root, 'devnet');
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => dead.once('exit', resolve));
  mkdirSync(dir);
  // The pid file of a devnet that died without cleaning up (its own pid no longer runs).
  writeFileSync(
    join(dir, 'devnet.pid'),
    JSON.stringify({ devnetPid: dead.pid, port: 1, explorerPid: indexer.pid }),
  );
  const lines: string[] = [];
  const claim = await claimDevnetDir({ dir, port: 2, log: (line) => lines.push(line) });
  await exited;
  assert.equal(readFileSync(marker, 'utf8'), 'term', 'stopped gracefully');
  assert.match(lines.join('\n'), /Stopping the explorer's indexer \(pid \d+\) left running/);
  claim.recordExplorer(4242);
  const { devnetStart, ...recorded } = JSON.parse(readFileSync(claim.pidFile, 'utf8'));
  assert.match(devnetStart, /^.+:\d+$/, 'the devnet records its own start time');
  // 4242 runs nothing here: no start time to record for it.
  assert.deepEqual(recorded, { devnetPid: process.pid, port: 2, explorerPid: 4242 });
  claim.release();
});

test('a recorded pid that now belongs to another program is left alone', async () => {
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  const dir = join(root, 'reused');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'devnet.pid'),
    JSON.stringify({ devnetPid: 1 << 30, port: 1, explorerPid: other.pid }),
  );
  const claim = await claimDevnetDir({ dir, port: 2, log: () => {} });
  assert.equal(other.exitCode, null);
  assert.equal(other.signalCode, null);
  other.kill();
  claim.release();
});
