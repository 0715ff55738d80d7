import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDevnetNetwork } from '../devnet/createTestDevnetNetwork.js';
import { type DevnetNetwork, writeDevnetNetwork } from '../devnet/devnetNetwork.js';
import { resolveTaskNetwork } from './resolveTaskNetwork.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 60_000 };
const teardownTimeout = { timeout: 60_000 };

/**
 * `task run`/`resume` against a devnet that is starting (`npm start` again after a stop): its process holds the
 * folder (devnet.pid) while the network file is still the last run's. Real processes stand for the devnets: a
 * live `node` that holds the folder, and the pid of one that has exited.
 */
describe('a devnet that is starting is waited for, not reported as not running', { timeout: 120_000 }, () => {
  let root = '';
  let deadPid = 0;
  const holders: ChildProcess[] = [];
  const startHolder = async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    holders.push(child);
    await once(child, 'spawn');
    return child;
  };
  const network = (pid: number, running: boolean) => createTestDevnetNetwork({ dir: root, pid, running });
  /** Resolves the devnet of `dir` as `task run` does, keeping the notes it prints while it waits. */
  const resolveNoting = (dir: string, startWaitMs: number) => {
    const notes: string[] = [];
    const resolving = resolveTaskNetwork({ devnet: dir }, true, {
      startWaitMs,
      note: (line) => notes.push(line),
    });
    return { resolving, notes };
  };
  /** A devnet folder: the last run's network file (if any) and the pid file of the process holding it. */
  const makeDevnet = (name: string, last: DevnetNetwork | undefined, holderPid: number) => {
    const dir = join(root, name);
    mkdirSync(dir);
    if (last) writeDevnetNetwork(join(dir, 'network.json'), last);
    writeFileSync(join(dir, 'devnet.pid'), `${JSON.stringify({ devnetPid: holderPid, port: 8545 })}\n`);
    return dir;
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'verinet-starting-'));
    const gone = await startHolder();
    gone.kill();
    await once(gone, 'exit');
    deadPid = gone.pid!;
  }, setupTimeout);
  after(async () => {
    for (const child of holders)
      if (child.exitCode === null && child.signalCode === null) {
        child.kill();
        await once(child, 'exit');
      }
    rmSync(root, { recursive: true, force: true });
  }, teardownTimeout);

  it("waits until the network file is the starting devnet's own, then reads it", async () => {
    const holder = await startHolder();
    const dir = makeDevnet('restarting', network(deadPid, false), holder.pid!);
    const { resolving, notes } = resolveNoting(dir, 60_000);
    setTimeout(() => writeDevnetNetwork(join(dir, 'network.json'), network(holder.pid!, true)), 500);
    const resolved = await resolving;
    assert.equal(resolved.devnetPid, holder.pid);
    assert.deepEqual(notes, [`waiting for the devnet of ${dir} to finish starting (pid ${holder.pid})…`]);
  });

  it('says precisely that the devnet is starting when it is still starting at the deadline', async () => {
    const holder = await startHolder();
    // The last run's file, and a first start (or one with --fresh) that has written nothing but its pid file.
    for (const [name, last] of [
      ['slow', network(deadPid, false)],
      ['first', undefined],
    ] as const) {
      const dir = makeDevnet(name, last, holder.pid!);
      await assert.rejects(resolveTaskNetwork({ devnet: dir }, true, { startWaitMs: 300, note: () => {} }), {
        name: 'DevnetStartingError',
        message: new RegExp(
          `^The devnet of ${dir} is starting \\(pid ${holder.pid}\\); run the command again in a moment\\.`,
        ),
      });
    }
  });

  it('a devnet that is stopping, or not running, is reported at once (no wait)', async () => {
    const holder = await startHolder();
    const stopping = makeDevnet('stopping', network(holder.pid!, false), holder.pid!);
    const stopped = makeDevnet('stopped', network(deadPid, false), deadPid);
    for (const dir of [stopping, stopped]) {
      const { resolving, notes } = resolveNoting(dir, 60_000);
      await assert.rejects(resolving, { message: /^The devnet of .* is not running\./ });
      assert.deepEqual(notes, [], dir);
    }
  });

  it('a starting devnet that dies is reported as not running, without waiting out the deadline', async () => {
    const holder = await startHolder();
    const dir = makeDevnet('crashing', network(deadPid, false), holder.pid!);
    const { resolving, notes } = resolveNoting(dir, 110_000);
    setTimeout(() => holder.kill(), 500);
    await assert.rejects(resolving, { message: /^The devnet of .* is not running\./ });
    assert.equal(notes.length, 1);
  });
});
