// A pid in devnet.pid may since belong to another process (pid wrap-around, a reboot): the next start must
// signal only the process it recorded (same start time), and an old pid file without start times only a process
// whose program is exactly anvil / ponder, never one that has a file named like them among its arguments.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { claimDevnetDir } from './claimDevnetDir.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 60_000 };
const teardownTimeout = { timeout: 60_000 };

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verinet-pid-reuse-'));
}, setupTimeout);
after(async () => rm(dir, { recursive: true, force: true }), teardownTimeout);

const goneDevnetPid = 1 << 30;
const pidFile = () => join(dir, 'devnet.pid');
const log = () => {};

async function startBystander(args: string[], argv0?: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-e', "setInterval(() => {}, 1000); process.stdout.write('up')", ...args],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      ...(argv0 ? { argv0 } : {}),
    },
  );
  await new Promise((resolve) => child.stdout?.once('data', resolve));
  return child;
}

async function claimWith(contents: Record<string, unknown>) {
  await writeFile(pidFile(), JSON.stringify({ port: 8545, ...contents }));
  const claim = await claimDevnetDir({ dir, port: 8545, log, stopTimeoutMs: 2000 });
  claim.release();
}

for (const program of ['anvil', 'ponder'] as const) {
  test(`an old pid file's ${program} pid now used by \`… ${program}.log\` is left alone`, async () => {
    const bystander = await startBystander([join(dir, `${program}.log`)]);
    try {
      await claimWith({
        devnetPid: goneDevnetPid,
        ...(program === 'anvil' ? { anvilPid: bystander.pid } : { explorerPid: bystander.pid }),
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(bystander.exitCode ?? bystander.signalCode, null, 'the bystander was killed');
    } finally {
      bystander.kill('SIGKILL');
    }
  });
}

test('a recorded anvil is stopped only while its start time matches the pid file', async () => {
  // Its program is exactly 'anvil' (argv0), so only the start time tells it from the one recorded.
  const anvil = await startBystander([], 'anvil');
  try {
    const claim = await claimDevnetDir({ dir, port: 8545, log });
    claim.recordAnvil(anvil.pid as number);
    const recorded = JSON.parse(await readFile(pidFile(), 'utf8')) as Record<string, unknown>;
    claim.release();
    assert.match(String(recorded.anvilStart), /^.+:\d+$/);
    assert.match(String(recorded.devnetStart), /^.+:\d+$/);
    await claimWith({ ...recorded, devnetPid: goneDevnetPid, anvilStart: `${recorded.anvilStart}1` });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(anvil.exitCode ?? anvil.signalCode, null, 'another start time: left alone');
    const exited = new Promise((resolve) => anvil.once('exit', (_code, signal) => resolve(signal)));
    await claimWith({ ...recorded, devnetPid: goneDevnetPid });
    assert.equal(await exited, 'SIGTERM', 'the same start time: stopped');
  } finally {
    anvil.kill('SIGKILL');
  }
});

test("a devnet pid reused by another node process does not block a start with 'already running'", async () => {
  const node = await startBystander([]);
  try {
    const claim = await claimDevnetDir({ dir, port: 8545, log });
    const ours = JSON.parse(await readFile(pidFile(), 'utf8')) as Record<string, unknown>;
    claim.release();
    // The pid file of a devnet whose pid (and start) the bystander does not share.
    await claimWith({ devnetPid: node.pid, devnetStart: ours.devnetStart });
    assert.equal(node.exitCode ?? node.signalCode, null);
    // Without a start time (an older devnet's file), a node process is still taken for the devnet.
    await assert.rejects(
      claimWith({ devnetPid: node.pid }),
      /A devnet is already running from .* \(pid \d+, port 8545\)/,
    );
  } finally {
    node.kill('SIGKILL');
  }
});
