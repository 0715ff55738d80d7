import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deploymentSchema } from '@verinet/protocol/chain';
import { createTestClient, http } from 'viem';
import { getFreePort, startAnvil } from '../anvil/startAnvil.js';
import { captureCli } from '../cli/captureCli.js';
import { readChainHeadRecord } from '../devnet/chainHeadRecord.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const teardownTimeout = { timeout: 60_000 };

const bin = resolve(fileURLToPath(import.meta.url), '../../bin.ts');
const deployer = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

async function blockNumberAt(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
  });
  return Number(((await response.json()) as { result: string }).result);
}

async function answersRpc(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** One node, and ports the system picks: tests run beside other devnets. */
const smallNetwork = [
  '--nodes',
  '1',
  '--relay-port',
  '0',
  '--node-api-port',
  '0',
  '--bridge-port',
  '0',
  '--no-explorer',
];

function assertOneLineError(run: { status: number; stderr: string }, message: RegExp) {
  assert.equal(run.status, 1, run.stderr);
  const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
  assert.equal(errors.length, 1, run.stderr);
  assert.match(errors[0] ?? '', message);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

describe('verinet devnet: crashes, conflicts and saved state (real anvil)', { timeout: 600_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'verinet-devnet-life-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    // A devnet's anvils run in their own process group (they outlive a killed devnet by design): a failed case
    // leaves them running unless their recorded pids are stopped here.
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      const pidFile = join(root, entry.name, 'devnet.pid');
      if (!entry.isDirectory() || !existsSync(pidFile)) continue;
      const { anvilPid, anvilBasePid } = JSON.parse(readFileSync(pidFile, 'utf8')) as Record<string, number>;
      for (const pid of [anvilPid, anvilBasePid]) {
        try {
          if (pid) process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    rmSync(root, { recursive: true, force: true });
  }, teardownTimeout);

  /**
   * A `verinet` command in a child process, its stdout and stderr collected (`stderr` alone too); `detached`: its
   * own process group, as a terminal starts it (Ctrl-C reaches it and its children at once).
   */
  const spawnCli = (args: string[], options: { detached?: boolean } = {}) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    children.push(child);
    let output = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
      stderr += chunk;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    /** Resolves once `pattern` is in the output; fails when the command exits or `timeoutMs` passes first. */
    const waitFor = async (pattern: RegExp, what: string, timeoutMs = 240_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null) throw new Error(`${what}: the command exited early:\n${output}`);
        if (Date.now() > deadline) throw new Error(`${what}: not seen in time:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return { child, output: () => output, stderr: () => stderr, exited, waitFor };
  };

  const spawnDevnet = async (port: number, dir: string) => {
    const run = spawnCli(['devnet', '--port', String(port), '--dir', dir, ...smallNetwork]);
    await run.waitFor(/Press Ctrl-C to stop\./, 'devnet start');
    return run;
  };

  /** A `task run` against the devnet of `dir`, followed until it printed `created` (paid, on chain). */
  const startTaskRun = async (dir: string) => {
    const run = spawnCli([
      ...['task', 'run', '--type', 'sd', '--prompt', 'a lighthouse', '--size', '256', '--steps', '30'],
      ...['--devnet', dir, '--out', join(dir, 'images')],
    ]);
    await run.waitFor(/\] created /, 'task run creating its task', 120_000);
    return run;
  };

  it('prints the funded test accounts, records the RPC URL, and after kill -9 the next start reclaims the port', async () => {
    const port = await getFreePort();
    const dir = join(root, 'crash');
    const first = await spawnDevnet(port, dir);
    assert.match(
      first.output(),
      new RegExp(
        `\\(0\\) ${deployer}  [0-9.]+ ether .* key 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80  \\(deployer, owner\\)`,
      ),
    );
    assert.match(first.output(), /\(9\) 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720 {2}10000 ether/);
    // Quiet start: the services log to a file the summary names, never JSON lines or stacks here.
    assert.match(first.output(), /logs {11}.*devnet\.log {2}\(relay, nodes, bridge, explorer/);
    assert.doesNotMatch(first.output(), /^\{"level"|\n\s+at /m);
    assert.match(readFileSync(join(dir, 'devnet.log'), 'utf8'), /"service":"relay".*"msg":"relay listening"/);
    const deployment = deploymentSchema.parse(JSON.parse(readFileSync(join(dir, 'deployment.json'), 'utf8')));
    assert.equal(deployment.rpcUrl, `http://127.0.0.1:${port}`);

    // A task under way when the devnet is killed: its chain still answers, but no node or relay will finish it,
    // and `task run` says so and stops instead of printing "running" until the task's own timeout.
    const orphaned = await startTaskRun(dir);
    const firstBase = readAnvilBasePid(dir);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(await answersRpc(port), 'anvil outlives a devnet killed with -9 and holds the port');
    assert.equal(await orphaned.exited, 1, orphaned.stderr());
    assertOneLineError(
      { status: 1, stderr: orphaned.stderr() },
      /^error: The devnet in .* stopped: no node or relay runs; the task is saved: `verinet task resume [0-9a-f]{32}` finishes it once `npm start` runs the devnet again\.$/,
    );

    const second = await spawnDevnet(port, dir);
    assert.match(
      second.output(),
      /Saving the chain of anvil \(pid \d+, port \d+\), left running by a devnet that did not shut down, then stopping it/,
    );
    assert.match(second.output(), /Reusing the contracts deployed in the kept chain state/);
    // The idle anvil the chain forks outlived the killed devnet too; the next start stopped it.
    assert.equal(isAlive(firstBase), false, `the first start's base anvil ${firstBase} still runs`);
    // The tiny models of the first start are kept, and the summary says so (it said "written" every time).
    assert.match(first.output(), /TINY RANDOM-WEIGHT test models \([^)]*\) written to /);
    assert.match(second.output(), /TINY RANDOM-WEIGHT test models \([^)]*\) kept in /);
    const again = deploymentSchema.parse(JSON.parse(readFileSync(join(dir, 'deployment.json'), 'utf8')));
    assert.deepEqual(again.contracts, deployment.contracts);

    // The node paused: the next task stays queued, so its `task run` is still under way when anvil is killed below
    // (the tiny model ends a task in well under the half second waited there).
    const paused = await captureCli([
      ...['node', 'pause', '--keystore', join(dir, 'nodes', 'node-0', 'keystore.json')],
      ...['--password-file', join(dir, 'keystore-password'), '--rpc-url', `http://127.0.0.1:${port}`],
      ...['--deployment', join(dir, 'deployment.json')],
    ]);
    assert.equal(paused.status, 0, paused.stderr);
    // A block past the last save, recorded in chain-head.json before anvil dies without saving it.
    const testClient = createTestClient({ mode: 'anvil', transport: http(`http://127.0.0.1:${port}`) });
    await testClient.mine({ blocks: 1 });
    const firstSeen = await blockNumberAt(port);
    const recorded = Date.now() + 20_000;
    while ((readChainHeadRecord(join(dir, 'chain-head.json'))?.block ?? -1) < firstSeen) {
      assert.ok(Date.now() < recorded, `chain-head.json never reached block ${firstSeen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The chain killed under a running `task run`: one line naming it, exit 1; the devnet stops itself.
    const running = await startTaskRun(dir);
    const { anvilPid } = JSON.parse(readFileSync(join(dir, 'devnet.pid'), 'utf8')) as { anvilPid: number };
    const secondBase = readAnvilBasePid(dir);
    // Blocks made well within the record's 2 s before the kill (trial s14: they were never recorded, and the next
    // start told no rewind): the devnet writes the head its chain feed saw when anvil dies.
    await testClient.mine({ blocks: 3 });
    const seenHead = await blockNumberAt(port);
    // 1.5 s: time for the devnet's chain feed to see the blocks on a loaded 2-core CI machine, still within the
    // 2 s between the record's periodic writes that the blocks would otherwise have waited for.
    await new Promise((r) => setTimeout(r, 1_500));
    process.kill(anvilPid, 'SIGKILL');
    assert.equal(await running.exited, 1, running.stderr());
    assertOneLineError(
      { status: 1, stderr: running.stderr() },
      new RegExp(
        `^error: The chain at http://127\\.0\\.0\\.1:${port} stopped answering; the task is saved: \`verinet task resume [0-9a-f]{32}\` finishes it once it answers again\\.$`,
      ),
    );
    assert.equal(await second.exited, 1);
    assert.match(
      second.output(),
      /error: anvil stopped unexpectedly \(code null, signal SIGKILL\); blocks made after its last state save \(up to a minute\) may be gone\./,
    );
    // The head of the last blocks was recorded when anvil died, not up to 2 s later (which never came).
    assert.ok(
      (readChainHeadRecord(join(dir, 'chain-head.json'))?.block ?? -1) >= seenHead,
      `chain-head.json holds ${readChainHeadRecord(join(dir, 'chain-head.json'))?.block}, the chain reached ${seenHead}`,
    );
    assert.ok(await isPortFree(port), 'the port is free once the devnet stopped');
    assert.equal(existsSync(join(dir, 'devnet.pid')), false);
    assert.equal(isAlive(secondBase), false, `the base anvil ${secondBase} outlived its chain`);

    // The next start reloads the last save, older than what the killed run saw, and says by how much.
    const third = await spawnDevnet(port, dir);
    const loadedHead = Number(/ to (\d+)\n/.exec(third.output())?.[1] ?? (await blockNumberAt(port)));
    const rewind =
      /THE CHAIN WENT BACK at least \d+ blocks, from block (\d+) or later \(seen [^)]+\) to (\d+)\n/.exec(
        third.output(),
      );
    if (loadedHead < seenHead) {
      assert.ok(rewind, third.output());
      assert.ok(Number(rewind[1]) >= seenHead, rewind[0]);
      // Mined past the old head, so that what the lost blocks held can be told lost with nobody using the chain.
      const mined = /(\d+) empty blocks were mined \(head now (\d+), past the old head\)/.exec(
        third.output(),
      );
      assert.ok(mined, third.output());
      assert.ok(Number(mined[2]) >= Number(rewind[1]) + 64, mined[0]);
      assert.ok((await blockNumberAt(port)) >= Number(mined[2]));
    } else {
      // The devnet's once-a-minute save ran after the block above (a slow start): nothing went back, and nothing
      // may be claimed to have.
      assert.equal(rewind, null, third.output());
    }
    third.child.kill('SIGINT');
    await third.exited;
  });

  it('Ctrl-C while the workers start: no more start, and no "ready" line after the stop was announced', async () => {
    const port = await getFreePort();
    const run = spawnCli(
      [
        ...['devnet', '--port', String(port), '--dir', join(root, 'interrupted-workers'), '--nodes', '3'],
        ...['--relay-port', '0', '--node-api-port', '0', '--bridge-port', '0', '--no-explorer'],
      ],
      { detached: true },
    );
    await run.waitFor(/Starting 3 worker processes/, 'the workers');
    process.kill(-run.child.pid!, 'SIGINT');
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /Stopping on request \(Ctrl-C\)/);
    assert.doesNotMatch(run.output(), /Stopping on request[\s\S]*Workers ready/);
    assert.ok(await isPortFree(port), 'anvil was stopped');
  });

  it('Ctrl-C while the explorer starts is a stop on request: no error, exit 0, nothing left running', async () => {
    const port = await getFreePort();
    const dir = join(root, 'interrupted');
    // The indexer stopped by the terminal's Ctrl-C used to read as "the explorer indexer exited".
    const run = spawnCli(
      [
        ...['devnet', '--port', String(port), '--dir', dir, '--nodes', '3'],
        ...['--relay-port', '0', '--node-api-port', '0', '--bridge-port', '0', '--explorer-port', '0'],
      ],
      { detached: true },
    );
    const { child, exited } = run;
    await run.waitFor(/Starting the explorer indexer/, 'the explorer');
    // The indexer is spawned and loading (it takes 20 s or more to serve).
    await new Promise((r) => setTimeout(r, 2_000));
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    const output = run.output();
    assert.equal(code, 0, output);
    assert.match(output, /Stopping on request \(Ctrl-C\): stopping what has started so far…/);
    assert.match(output, /Stopped while starting; everything started so far was stopped\.\n$/);
    assert.doesNotMatch(output, /^error:|exited with code/m);
    assert.ok(await isPortFree(port), 'anvil was stopped');
    assert.equal(existsSync(join(dir, 'devnet.pid')), false);
    const gone = Date.now() + 10_000;
    while (isGroupAlive(child.pid!)) {
      if (Date.now() > gone) assert.fail('a process of the devnet (the indexer?) outlived it');
      await new Promise((r) => setTimeout(r, 100));
    }
    // The nodes' start-up lines come in their order, though they start together.
    const started = [...output.matchAll(/^Node (\d+) 0x/gm)].map((match) => match[1]);
    assert.deepEqual(started, ['0', '1', '2']);
  });

  it('an error after anvil started stops anvil and exits non-zero', async () => {
    const port = await getFreePort();
    const dir = join(root, 'broke');
    mkdirSync(dir, { recursive: true });
    // A saved chain in which the deployer has nothing: the devnet's deployment fails after anvil is up.
    const anvil = await startAnvil({ port, stateFile: join(dir, 'chain.json') });
    await createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) }).setBalance({
      address: deployer,
      value: 0n,
    });
    await anvil.stop();

    const run = await captureCli(['devnet', '--port', String(port), '--dir', dir, ...smallNetwork]);
    assertOneLineError(
      run,
      /Deploying the contracts to the devnet failed: .*insufficient funds.*npm start -- --fresh/,
    );
    assert.ok(await isPortFree(port), 'anvil was stopped');
    assert.equal(existsSync(join(dir, 'devnet.pid')), false);
  });

  it('a corrupt saved state says how to reset, and leaves nothing running', async () => {
    const port = await getFreePort();
    const dir = join(root, 'corrupt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'chain.json'), '{"block": tru');
    const run = await captureCli(['devnet', '--port', String(port), '--dir', dir, ...smallNetwork]);
    assertOneLineError(
      run,
      /The saved chain state .*chain\.json cannot be loaded: failed to parse json file.*npm start -- --fresh/,
    );
    assert.ok(await isPortFree(port));
  });
});

/** The idle anvil the devnet's chain forks (devnetAnvilOptions.forkIdleBase), from the devnet's pid file. */
function readAnvilBasePid(dir: string): number {
  const { anvilBasePid } = JSON.parse(readFileSync(join(dir, 'devnet.pid'), 'utf8')) as {
    anvilBasePid?: number;
  };
  assert.ok(Number.isSafeInteger(anvilBasePid), 'the pid file records the base anvil');
  return anvilBasePid as number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
