/**
 * `npm start` as a person runs it (the real npm script, its own process group as a terminal gives it), in a
 * temporary devnet folder: it serves tasks sent through the real `verinet task` command, keeps its state across
 * a restart, runs nodes on a model store made by `verinet model import`, and Ctrl-C (SIGINT to the group)
 * stops every process it started.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { taskManagerAbi, taskStates } from '@verinet/protocol/chain';
import { getImageScore } from '@verinet/protocol/score';
import { createPublicClient, type Hex, http } from 'viem';
import { getFreePort } from '../anvil/startAnvil.js';
import { captureCli } from '../cli/captureCli.js';
import { devnetNetworkSchema } from './devnetNetwork.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const teardownTimeout = { timeout: 60_000 };

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../../..');
const bin = join(repoRoot, 'packages/cli/src/bin.ts');
const root = mkdtempSync(join(tmpdir(), 'verinet-npm-start-'));
const dir = join(root, 'devnet');
const running: ChildProcess[] = [];

const endStates = ['EndSuccess', 'EndGroupSuccess'];

type Started = { child: ChildProcess; output: () => string; exited: Promise<string> };

/** `npm start -- …` in its own process group, resolved once the summary is printed. */
async function npmStart(extra: string[]): Promise<Started> {
  const child = spawn('npm', ['start', '--', '--dir', dir, ...extra], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  // npm re-raises the SIGINT it got with the group once its child is done: 'SIGINT' is a clean exit too.
  const exited = new Promise<string>((done) =>
    child.once('exit', (code, signal) => done(signal ?? String(code))),
  );
  const deadline = Date.now() + 300_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up in 300 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => output, exited };
}

/** Ctrl-C in the terminal: SIGINT to the whole foreground process group. */
async function pressCtrlC(started: Started): Promise<string> {
  process.kill(-started.child.pid!, 'SIGINT');
  const timer = setTimeout(() => process.kill(-started.child.pid!, 'SIGKILL'), 60_000);
  const code = await started.exited;
  clearTimeout(timer);
  // Every process of the group (npm, tsx, the devnet, anvil, the workers) must be gone.
  const deadline = Date.now() + 10_000;
  while (groupAlive(started.child.pid!)) {
    if (Date.now() > deadline)
      throw new Error(`processes left in the group:\n${listGroup(started.child.pid!)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // anvil runs in a process group of its own (stopped last, by the devnet): nothing may still name the folder.
  assert.deepEqual(processesNaming(dir), [], 'no process left that names the devnet folder');
  return code;
}

function processesNaming(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(text) && Number(pid) !== process.pid) found.push(`${pid}: ${commandLine}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function listGroup(pgid: number): string {
  try {
    return execFileSync('ps', ['-o', 'pid,args', '-g', String(pgid)], { encoding: 'utf8' });
  } catch {
    return `group ${pgid}`;
  }
}

type CliRun = { code: number | null; stdout: string; stderr: string };

/** The real `verinet` binary, as a child process. */
function verinet(args: string[], timeoutMs = 240_000): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', bin, ...args],
      { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** The same command tree as the binary, run in this process (output captured). */
async function verinetInProcess(args: string[]): Promise<CliRun> {
  const { status, stdout, stderr } = await captureCli(args);
  return { code: status, stdout, stderr };
}

function assertOneLineError(run: CliRun, message: RegExp) {
  assert.equal(run.code, 1, run.stderr);
  const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
  assert.equal(errors.length, 1, run.stderr);
  assert.match(errors[0] ?? '', message);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

/** The task's state (getTask) and the score its node submitted (TaskScoreReady: the chain keeps no copy). */
async function readChainTask(rpcUrl: string, taskManager: Hex, taskKey: Hex) {
  const client = createPublicClient({ transport: http(rpcUrl) });
  const task = (await client.readContract({
    address: taskManager,
    abi: taskManagerAbi,
    functionName: 'getTask',
    args: [taskKey],
  })) as { state: number };
  const scored = await client.getContractEvents({
    address: taskManager,
    abi: taskManagerAbi,
    eventName: 'TaskScoreReady',
    args: { taskKey },
    fromBlock: 0n,
  });
  return { state: taskStates[task.state], score: (scored[0]?.args as { score?: Hex } | undefined)?.score };
}

after(async () => {
  for (const child of running) {
    if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  }
  rmSync(root, { recursive: true, force: true });
}, teardownTimeout);

describe('npm start: the whole local network, driven by `verinet task`', { timeout: 1_200_000 }, () => {
  let ports: string[];
  let first: Started;
  let firstKey: string | undefined;

  it('starts (3 nodes, tiny models) and says the state is fresh and the models are random', async () => {
    const port = await getFreePort();
    // The explorer's indexer (Ponder) is left out to keep this file short; the web package's tests cover it.
    ports = [
      '--port',
      String(port),
      '--relay-port',
      '0',
      '--node-api-port',
      '0',
      '--bridge-port',
      '0',
      '--no-explorer',
    ];
    first = await npmStart(ports);
    const output = first.output();
    assert.match(output, /state {10}FRESH \(no saved state yet\)/);
    assert.match(output, /TINY RANDOM-WEIGHT test models/);
    // The nodes start together; their lines come in node order.
    assert.deepEqual(
      [...output.matchAll(/^Node (\d+) 0x/gm)].map((match) => match[1]),
      ['0', '1', '2'],
    );
    assert.match(output, /images are noise and their text is\s+gibberish/);
    // The real-models hint keeps this start's folder and ports (trial s14: it named neither).
    assert.match(output, /\n {4}npm start -- --dir \S+ .*--models \.verinet\/models {6}\(docs/);
    // One fee rule for CLI, SDK and bridge, stated with its value (a new chain: its minFee, 1 gwei).
    assert.match(
      output,
      /A task costs 1 gwei per on-chain task \(the chain's going price: no paid task yet, kept within\n {2}minFee 1 gwei/,
    );
    // The node status APIs no longer trigger Fastify's deprecation of disableRequestLogging.
    assert.doesNotMatch(output, /FSTDEP023|DeprecationWarning/);
    firstKey = /API key (vn_[\w-]+)/.exec(output)?.[1];
    const network = devnetNetworkSchema.parse(JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')));
    assert.equal(network.running, true);
    assert.equal(network.nodes.length, 3);
    assert.equal(network.rpcUrl, `http://127.0.0.1:${port}`);
    // The bridge joined: the OpenAI-compatible API answers with the summary's API key, and serves the web UI.
    const bridgeUrl = network.services.bridge;
    assert.ok(bridgeUrl, `no bridge in network.json: ${JSON.stringify(network.services)}`);
    const key = /API key (vn_[\w-]+)/.exec(output)?.[1];
    assert.ok(key, 'the summary prints the bridge API key');
    const models = await fetch(`${bridgeUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(models.status, 200);
    const ids = ((await models.json()) as { data: { id: string }[] }).data.map((model) => model.id);
    assert.deepEqual(ids.sort(), [...network.models.ids].sort());
    const page = await fetch(`${bridgeUrl}/`);
    assert.match(await page.text(), /<title>Verinet<\/title>/);
  });

  it('`verinet task run --type llm` returns text whose task ended paid on chain', async () => {
    const run = await verinet([
      'task',
      'run',
      '--type',
      'llm',
      '--prompt',
      'Say hello',
      '--max-tokens',
      '8',
      '--devnet',
      dir,
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      id: string;
      taskKey: Hex;
      score: Hex;
      text: string;
      validation: string;
    };
    assert.equal(typeof result.text, 'string');
    assert.match(run.stderr, /node chosen/);
    assert.match(run.stderr, /scored/);
    // Sampled or not (1 in 10): the validation landed on chain.
    assert.match(run.stderr, /accepted {9}on chain: /);
    const network = devnetNetworkSchema.parse(JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')));
    const deployment = JSON.parse(readFileSync(join(dir, 'deployment.json'), 'utf8')) as {
      contracts: { taskManager: Hex };
    };
    const chain = await readChainTask(network.rpcUrl, deployment.contracts.taskManager, result.taskKey);
    assert.ok(endStates.includes(chain.state ?? ''), `on-chain state ${chain.state}`);
    assert.equal(chain.score, result.score);
    // `task resume` goes through the SDK's resume path to the same verified result (downloaded and checked again).
    const resumed = await verinetInProcess([
      'task',
      'resume',
      result.id.slice(0, 8),
      '--devnet',
      dir,
      '--json',
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const again = JSON.parse(resumed.stdout) as { id: string; taskKey: Hex; text: string };
    assert.deepEqual([again.id, again.taskKey, again.text], [result.id, result.taskKey, result.text]);
  });

  it('`verinet task run --type sd` writes PNGs whose pHash is the on-chain score', async () => {
    const out = join(root, 'images');
    const run = await verinet([
      'task',
      'run',
      '--type',
      'sd',
      '--prompt',
      'a red cat',
      '--size',
      '64x64',
      '--steps',
      '2',
      '--seed',
      '7',
      '--out',
      out,
      '--devnet',
      dir,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const paths = run.stdout.trim().split('\n');
    assert.equal(paths.length, 1);
    assert.ok(existsSync(paths[0]!), paths[0]);
    const png = readFileSync(paths[0]!);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
    assert.equal(png.readUInt32BE(16), 64, 'width');
    const list = await verinet(['task', 'list', '--devnet', dir, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const tasks = JSON.parse(list.stdout) as { id: string; type: string; phase: string; taskKey: Hex }[];
    assert.equal(tasks.length, 2);
    assert.deepEqual(
      tasks.map((task) => task.phase),
      ['done', 'done'],
    );
    const sd = tasks.find((task) => task.type === 'sd')!;
    const network = devnetNetworkSchema.parse(JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')));
    const deployment = JSON.parse(readFileSync(join(dir, 'deployment.json'), 'utf8')) as {
      contracts: { taskManager: Hex };
    };
    const status = await verinet(['task', 'status', sd.id, '--devnet', dir, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const detail = JSON.parse(status.stdout) as {
      tasks: { taskKey: Hex; score: Hex | null }[];
      results: string[] | null;
    };
    // Where `task run` wrote the images, as `task status` shows them.
    assert.deepEqual(detail.results, paths);
    const shown = await verinetInProcess(['task', 'status', sd.id.slice(0, 8), '--devnet', dir]);
    assert.match(shown.stdout, new RegExp(`\\n {2}results {5}${paths[0]}\\n`));
    const scored = detail.tasks.find((task) => task.score)!;
    const chain = await readChainTask(network.rpcUrl, deployment.contracts.taskManager, scored.taskKey);
    assert.ok(endStates.includes(chain.state ?? ''), `on-chain state ${chain.state}`);
    const pHash = Buffer.from(await getImageScore([new Uint8Array(png)])).toString('hex');
    assert.equal(chain.score, `0x${pHash}`, 'the image on disk is the one the chain scored');
  });

  it('refuses bad input with one line and a non-zero exit', async () => {
    // The same command tree in this process: a Node start per case cost minutes on a loaded 2-core machine.
    assertOneLineError(
      await verinetInProcess(['task', 'run', '--type', 'sd', '--devnet', dir]),
      /--prompt is required/,
    );
    assertOneLineError(
      await verinetInProcess([
        'task',
        'run',
        '--type',
        'llm',
        '--messages',
        join(root, 'absent.json'),
        '--devnet',
        dir,
      ]),
      /--messages .*absent\.json: no such file/,
    );
    writeFileSync(join(root, 'bad.json'), '{"messages": 3}');
    assertOneLineError(
      await verinetInProcess([
        'task',
        'run',
        '--type',
        'llm',
        '--messages',
        join(root, 'bad.json'),
        '--devnet',
        dir,
      ]),
      /holds no message list/,
    );
    assertOneLineError(
      await verinetInProcess([
        'task',
        'run',
        '--type',
        'sd',
        '--prompt',
        'x',
        '--size',
        '65x64',
        '--devnet',
        dir,
      ]),
      /--size 65x64: the width must be a multiple of 8 from 64 to 2048\. Nothing was sent or paid/,
    );
    // A prompt longer than the model's context is counted with its tokenizer and refused before paying.
    const tooLong = await verinetInProcess([
      'task',
      'run',
      '--type',
      'llm',
      '--prompt',
      'word '.repeat(400),
      '--devnet',
      dir,
    ]);
    assertOneLineError(
      tooLong,
      /The prompt is (at least )?\d+ tokens; verinet\/tiny-gpt2 takes at most 511 .*together\)\. Fix the arguments .*nothing was sent or paid/,
    );
    assert.doesNotMatch(tooLong.stderr, /task_config|created /);
    const listed = await verinetInProcess(['task', 'list', '--devnet', dir, '--json']);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 2, 'no task was recorded or paid');
    assertOneLineError(await verinetInProcess(['task', 'status', 'nope', '--devnet', dir]), /No task nope/);
    assertOneLineError(
      await verinetInProcess([
        'task',
        'run',
        '--type',
        'llm',
        '--prompt',
        'x',
        '--devnet',
        join(root, 'nowhere'),
      ]),
      /No devnet folder at .*nowhere/,
    );
    assertOneLineError(
      await verinetInProcess(['task', 'status', 'x', '--devnet', join(root, 'nowhere')]),
      /No devnet folder at .*nowhere/,
    );
    // A mistyped --devnet is an error, not "no tasks yet".
    assertOneLineError(
      await verinetInProcess(['task', 'list', '--devnet', join(root, 'nowhere')]),
      /No devnet folder at .*nowhere/,
    );
    const sd = ['task', 'run', '--type', 'sd', '--devnet', dir];
    assertOneLineError(
      await verinetInProcess([...sd, '--prompt', 'x', '--model', 'foo/bar']),
      /--model foo\/bar: the devnet's nodes hold no such model; they hold verinet\/tiny-gpt2, verinet\/tiny-sd\./,
    );
    assertOneLineError(await verinetInProcess([...sd, '--prompt', ' ']), /--prompt is empty/);
    // The network file records each model's type: a known model of the other type is refused before paying.
    const llm = ['task', 'run', '--type', 'llm', '--devnet', dir];
    assertOneLineError(
      await verinetInProcess([...llm, '--prompt', 'x', '--model', 'verinet/tiny-sd']),
      /--model verinet\/tiny-sd is an image \(sd\) model; --type llm needs one of: verinet\/tiny-gpt2\./,
    );
    assertOneLineError(await verinetInProcess([...llm, '--prompt', '']), /--prompt is empty/);
    assertOneLineError(
      await verinetInProcess([...sd, '--prompt', 'x', '--max-tokens', '5']),
      /--max-tokens is for --type llm only, not --type sd\./,
    );
    assertOneLineError(
      await verinetInProcess([...sd, '--prompt', 'x', '--size', '99999x99999']),
      /^error: --size 99999x99999: the width and height must each be a multiple of 8 from 64 to 2048\. Nothing was sent/,
    );
    const after = await verinetInProcess(['task', 'list', '--devnet', dir, '--json']);
    assert.equal((JSON.parse(after.stdout) as unknown[]).length, 2, 'none of the refused tasks was recorded');
  });

  it('task list has a header; a prepared, never-sent task shows as such and `task drop` ends it', async () => {
    // A task prepared and never sent, as an app that stopped (or was refused) before uploading leaves one.
    const { createClient, createSqliteStore, getChainFromDeployment } = await import('@verinet/sdk/node');
    const { readDeployment } = await import('@verinet/protocol/chain');
    const network = devnetNetworkSchema.parse(JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')));
    const client = createClient({
      chain: getChainFromDeployment(readDeployment(join(dir, 'deployment.json')), network.rpcUrl),
      relay: network.relayUrl,
      account: `0x${'22'.repeat(32)}`,
      store: createSqliteStore({ path: join(dir, 'app', 'tasks.db') }),
    });
    const prepared = await client.prepareTask({
      type: 'sd',
      args: { base_model: 'verinet/tiny-sd', prompt: 'never sent' },
    });
    await client.close();
    const list = await verinetInProcess(['task', 'list', '--devnet', dir]);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ID +TYPE +PHASE +CREATED +TASK KEY$/);
    assert.equal(lines.length, 4, list.stdout);
    assert.match(lines.find((line) => line.startsWith(prepared.id)) ?? '', / not sent /);
    assert.match(list.stderr, /verinet task drop ID/);
    const done = lines[2]?.split(' ')[0] ?? '';
    assertOneLineError(
      await verinetInProcess(['task', 'drop', done, '--devnet', dir]),
      /is done, not a never-sent task/,
    );
    const drop = await verinetInProcess(['task', 'drop', prepared.id, '--devnet', dir]);
    assert.equal(drop.code, 0, drop.stderr);
    assert.match(drop.stdout, /dropped \(it was never sent; nothing was paid\)/);
    const tasks = JSON.parse(
      (await verinetInProcess(['task', 'list', '--devnet', dir, '--json'])).stdout,
    ) as {
      id: string;
      phase: string;
      error: { message: string } | null;
    }[];
    const dropped = tasks.find((task) => task.id === prepared.id);
    assert.equal(dropped?.phase, 'failed');
    assert.match(dropped?.error?.message ?? '', /not sent, nothing paid/);
  });

  it('the trial: nodes paused, `task run` gives up on a queued task; status reads the chain, `task resume` finishes it', async () => {
    const network = devnetNetworkSchema.parse(JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')));
    // No --data-dir: a devnet node's keystore means its own store (a side store outlived --fresh chains).
    const node = (action: string, index: number) =>
      verinetInProcess([
        'node',
        action,
        '--keystore',
        join(dir, 'nodes', `node-${index}`, 'keystore.json'),
        '--password-file',
        join(dir, 'keystore-password'),
        '--rpc-url',
        network.rpcUrl,
        '--deployment',
        join(dir, 'deployment.json'),
      ]);
    for (const index of [0, 1, 2]) assert.equal((await node('pause', index)).code, 0, `pause node ${index}`);
    const gaveUp = await verinetInProcess([
      ...['task', 'run', '--type', 'llm', '--prompt', 'queued', '--max-tokens', '4'],
      ...['--timeout', '2', '--devnet', dir],
    ]);
    assert.equal(gaveUp.code, 1, gaveUp.stderr);
    const id = /`verinet task resume ([0-9a-f]+)` finishes it/.exec(gaveUp.stderr)?.[1];
    assert.ok(id, gaveUp.stderr);
    const status = await verinetInProcess(['task', 'status', id, '--devnet', dir]);
    assert.match(status.stdout, /\n {2}original {4}0x[0-9a-f]{64} {2}(Queued|Pending)/);
    assert.doesNotMatch(status.stdout, /not read/);
    for (const index of [0, 1, 2])
      assert.equal((await node('resume', index)).code, 0, `resume node ${index}`);
    const resumed = await verinetInProcess([
      'task',
      'resume',
      id,
      '--devnet',
      dir,
      '--json',
      '--timeout',
      '180',
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal((JSON.parse(resumed.stdout) as { id: string }).id, id);
    const done = JSON.parse(
      (await verinetInProcess(['task', 'status', id, '--devnet', dir, '--json'])).stdout,
    );
    assert.equal((done as { phase: string }).phase, 'done');
  });

  it('Ctrl-C stops everything: no process of the group is left, the port is free', async () => {
    const code = await pressCtrlC(first);
    assert.ok(code === '0' || code === 'SIGINT', `npm start ended with ${code}:\n${first.output()}`);
    assert.match(first.output(), /Stopped\.\n/);
    assert.equal(existsSync(join(dir, 'devnet.pid')), false);
    const network = devnetNetworkSchema.parse(JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')));
    assert.equal(network.running, false);
    assertOneLineError(
      await verinet(['task', 'run', '--type', 'llm', '--prompt', 'x', '--devnet', dir]),
      /The devnet of .* is not running/,
    );
  });

  it('a second start keeps the state and says so; nodes run on a store made by `verinet model import`', async () => {
    // A model folder as a person holds it (here the tiny GPT-2's files), imported under a new id.
    const { writeTinyGpt2 } = await import('@verinet/worker/llm');
    const source = join(root, 'downloaded');
    await writeTinyGpt2({ modelsDir: source });
    const store = join(root, 'store');
    const imported = await verinet([
      'model',
      'import',
      join(source, 'verinet--tiny-gpt2'),
      '--id',
      'me/imported-gpt2',
      '--models-dir',
      store,
    ]);
    assert.equal(imported.code, 0, imported.stderr);

    const second = await npmStart([...ports, '--models', store]);
    assert.match(second.output(), /state {10}KEPT from the previous run/);
    assert.match(second.output(), /Models: me\/imported-gpt2 from /);
    assert.doesNotMatch(second.output(), /TINY RANDOM-WEIGHT/);
    assert.ok(firstKey);
    assert.match(second.output(), new RegExp(`API key ${firstKey}`), 'the bridge API key is kept');
    const run = await verinet([
      'task',
      'run',
      '--type',
      'llm',
      '--prompt',
      'Hi',
      '--max-tokens',
      '4',
      '--devnet',
      dir,
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const list = await verinet(['task', 'list', '--devnet', dir, '--json']);
    // 3 run and 1 dropped in the first run, 1 now.
    assert.equal((JSON.parse(list.stdout) as unknown[]).length, 5, 'the tasks of the first run are kept');
    const code = await pressCtrlC(second);
    assert.ok(code === '0' || code === 'SIGINT', `npm start ended with ${code}:\n${second.output()}`);
    assert.match(second.output(), /Stopped\.\n/);
  });
});
