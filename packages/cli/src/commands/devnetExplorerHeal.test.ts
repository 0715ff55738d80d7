import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getFreePort } from '../anvil/startAnvil.js';
import { readChainHeadRecord } from '../devnet/chainHeadRecord.js';
import { type DevnetPidFile, isRunning } from '../devnet/claimDevnetDir.js';

// Trial s13: after a rewind, tasks and a Ctrl-C, every later start failed in the explorer (Ponder: "Finalized block
// … cannot move backwards"): its index was ahead of the chain without a rewind the start saw. startDevnet then
// deletes the index and starts the indexer once more; session 13 checked it by hand only.

const teardownTimeout = { timeout: 60_000 };
const bin = resolve(fileURLToPath(import.meta.url), '../../bin.ts');

async function rpc(port: number, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return ((await response.json()) as { result: unknown }).result;
}

describe('verinet devnet: an explorer index ahead of the chain is rebuilt (real anvil, nodes, Ponder)', {
  timeout: 900_000,
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'verinet-devnet-heal-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    // The devnet's anvils run in their own process group: stopped by their recorded pids, only while each pid is
    // still the process recorded (its start time, as claimDevnetDir checks): a pid reused since is someone else's.
    const pidFile = join(root, 'devnet', 'devnet.pid');
    if (existsSync(pidFile)) {
      const file = JSON.parse(readFileSync(pidFile, 'utf8')) as DevnetPidFile;
      for (const [pid, start] of [
        [file.anvilPid, file.anvilStart],
        [file.anvilBasePid, file.anvilBaseStart],
      ] as const) {
        try {
          if (pid && isRunning(pid, start, 'anvil')) process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    rmSync(root, { recursive: true, force: true });
  }, teardownTimeout);

  /** `verinet devnet` in its own process group until it is ready; `stop` sends Ctrl-C and waits for its exit. */
  const startDevnet = async (port: number, dir: string, explorer: boolean) => {
    const child = spawn(
      process.execPath,
      [
        ...['--import', 'tsx', bin, 'devnet', '--port', String(port), '--dir', dir, '--nodes', '1'],
        ...['--relay-port', '0', '--node-api-port', '0', '--bridge-port', '0'],
        ...(explorer ? ['--explorer-port', '0'] : ['--no-explorer']),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const deadline = Date.now() + 400_000;
    while (!/Press Ctrl-C to stop\./.test(output)) {
      if (child.exitCode !== null) assert.fail(`the devnet exited while starting:\n${output}`);
      if (Date.now() > deadline) assert.fail(`the devnet did not start in time:\n${output}`);
      await new Promise((done) => setTimeout(done, 100));
    }
    return {
      output: () => output,
      async stop() {
        process.kill(-child.pid!, 'SIGINT');
        assert.equal(await exited, 0, output);
      },
    };
  };

  it("a chain behind the explorer's finalized block at start: the index is deleted and the indexer started once more", async () => {
    const port = await getFreePort();
    const dir = join(root, 'devnet');
    // An older save of the chain, kept aside.
    const first = await startDevnet(port, dir, false);
    await first.stop();
    const olderChain = join(root, 'chain-older.json');
    copyFileSync(join(dir, 'chain.json'), olderChain);
    const olderHead = readChainHeadRecord(join(dir, 'chain-head.json'));
    assert.ok(olderHead, 'the head the first run saw');

    // The explorer indexes a longer chain: well past the older save, so its finalized block is beyond it.
    const second = await startDevnet(port, dir, true);
    const indexer = /its indexer's API: (http:\/\/127\.0\.0\.1:\d+)\/explorer\/stats/.exec(
      second.output(),
    )?.[1];
    assert.ok(indexer, second.output());
    // Ponder finalizes a block once the chain is 2 × 30 blocks past its finalized one (its finality for an unknown
    // chain id is 30 blocks): 128 blocks, then its own report of the block it indexed reaches the head.
    await rpc(port, 'anvil_mine', ['0x80']);
    const indexedHead = Number(await rpc(port, 'eth_blockNumber'));
    const indexed = async () => {
      const status = (await (await fetch(`${indexer}/status`)).json().catch(() => undefined)) as
        | Record<string, { block?: { number?: number } }>
        | undefined;
      return Object.values(status ?? {})[0]?.block?.number ?? 0;
    };
    const deadline = Date.now() + 180_000;
    while ((await indexed()) < indexedHead) {
      assert.ok(
        Date.now() < deadline,
        `the explorer indexed ${await indexed()} of ${indexedHead} blocks in 180 s`,
      );
      await new Promise((done) => setTimeout(done, 500));
    }
    // Its finalized checkpoint is written with the block that finalized it; a moment for the write.
    await new Promise((done) => setTimeout(done, 3_000));
    await second.stop();
    assert.ok(existsSync(join(dir, 'explorer')) && readdirSync(join(dir, 'explorer')).length > 0, 'an index');

    // The older chain comes back, and the record of the head says nothing of the blocks lost (as in the trial:
    // the start sees no rewind, so it keeps the index).
    copyFileSync(olderChain, join(dir, 'chain.json'));
    writeFileSync(join(dir, 'chain-head.json'), JSON.stringify(olderHead));
    const third = await startDevnet(port, dir, true);
    const output = third.output();
    assert.ok(Number(await rpc(port, 'eth_blockNumber')) < indexedHead, 'the chain is behind the index');
    assert.doesNotMatch(output, /went back/i, 'no rewind seen by the start');
    assert.match(
      output,
      /The explorer's index is ahead of the chain \(its indexer: "cannot move backwards"\): deleting .*explorer and starting the indexer once more\./,
    );
    assert.match(output, /explorer {6}http/);
    await third.stop();
  });
});
