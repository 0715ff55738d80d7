/**
 * npm run bench:network -- [--tasks 10000] [--warmup-tasks 1000] [--nodes 20] [--apps 20] [--node-poll-ms 200]
 *   [--sdk-poll-ms 100] [--sdk-wait ws|poll (default ws)] [--sdk-curve native|js] [--sdk-http pool|fetch]
 *   [--max-minutes M] [--open-tasks 200] [--open-load 0.5] [--cpu-prof-dir DIR]
 *   [--devnet-node-options="--perf-basic-prof …" (with =: the value starts with a dash)]
 *   [--devnet-output FILE] [--devnet-log-level LEVEL] [--ceiling-tasks 1000] [--ceiling-runs 3]
 *   [--ceiling-state grown|fresh|both]
 *
 * Sustained tasks per second of the whole local network: `verinet devnet` (anvil with instant mining, the
 * relay, N node daemons with their worker processes on the tiny models) started as its own process, driven by
 * `apps` concurrent applications through the SDK (each: upload, createTask, wait for the score, sample,
 * validate, download and check against the chain). Prints tasks/s, failed tasks, end-to-end latency p50/p99
 * split into execution (the worker alone, measured on the same arguments in the same run) and protocol time
 * (end to end minus execution), and the chain-bound ceiling measured in the same run (measureChainCeiling.ts,
 * same anvil options as the devnet). Not a test: it never fails on a figure; it exits 1 only when the run itself
 * broke.
 *
 * Three phases, each reported apart:
 * - the warm-up (`--warmup-tasks`, 0: none): closed loop exactly as the saturated phase, before it. It replaces
 *   the one-task-per-app warm-up of sessions ≤ 14 (its first round is that: each app's first task binds its VRF
 *   key, each node's first task loads the model) and runs on until V8 has compiled the hot code of every process
 *   (session 14: the devnet's and the apps' CPU per task fell by half over the first ≈ 1,300 tasks). Its
 *   throughput, failures and CPU per task are printed apart, and its failures count in the failed total: the
 *   zero-failure target covers every task the network ran.
 * - the saturated phase (every app closed loop, one task in flight each: it measures throughput, and its latency
 *   is mostly queueing for the 2 cores, by Little's law ≈ apps / throughput), warm;
 * - the open-loop latency phase (Poisson arrivals at `open-load` × the measured throughput: latency at a load the
 *   network sustains, where the protocol-overhead target is judged).
 *
 * The ceiling (`--ceiling-state`, default grown) is measured after the network stopped, on the chain the
 * saturated phase ran on: anvil's CPU per task grows with the chain's state (it snapshots its whole state at every
 * block: session 11), so a fresh anvil's ceiling is that of a shorter run. The devnet's chain is saved
 * (anvil_dumpState) when the saturated phase starts and when it ends; each ceiling run starts an anvil from one of
 * them (`--load-state`, the devnet's anvil options) and deploys the contracts again on it (as cheap per task as
 * the network's own deployment: docs/benchmarks.md, "Session 15 (s15-bench)"); the two medians are combined by
 * the mean time per task, the ratio is taken against that, and each ceiling run's anvil CPU per task is printed
 * beside the saturated phase's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { taskArgsVersions } from '@verinet/protocol/args';
import { readDeployment } from '@verinet/protocol/chain';
import type { VerinetClient } from '@verinet/sdk';
import { createPublicClient, createWalletClient, type Hex, http, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { saveAnvilState } from '../anvil/saveAnvilState.js';
import { getFreePort } from '../anvil/startAnvil.js';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { devnetAnvilOptions } from '../devnet/devnetAnvilOptions.js';
import { devnetNetworkSchema } from '../devnet/devnetNetwork.js';
import { type ChainCeiling, measureChainCeiling } from './measureChainCeiling.js';
import {
  type CeilingState,
  ceilingSpread,
  combineGrownCeilings,
  countDevnetWarnings,
  countRelayRefusals,
  formatMs,
  medianCeiling,
  percentile,
  planCeilingRuns,
} from './networkStats.js';
import { parseIntegerFlag } from './parseIntegerFlag.js';
import { type DevnetSteps, readDevnetSteps } from './readDevnetSteps.js';
import { type ProcessTreeCpu, readProcessTreeCpu } from './readProcessCpu.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    nodes: { type: 'string', default: '20' },
    apps: { type: 'string', default: '20' },
    'node-poll-ms': { type: 'string', default: '200' },
    'sdk-poll-ms': { type: 'string', default: '100' },
    // The apps' shared head feed reads the chain at each new head announced over anvil's WebSocket, the polls the
    // fallback (ws, the SDK's `chain.wsUrl`), or at its polls alone (poll). ws by default since session 13: it took
    // about half a poll interval off each step an app waits for (docs/benchmarks.md, "Session 13 (s13-latency)").
    'sdk-wait': { type: 'string', default: 'ws' },
    // The apps' signatures and VRF proofs: libsecp256k1 (native, the SDK's `nativeCurve` for Node.js apps) or the
    // SDK's default JavaScript (js).
    'sdk-curve': { type: 'string', default: 'native' },
    // The apps' chain and relay requests: keep-alive pools (pool, the SDK's `nodeHttp` for Node.js apps) or the
    // SDK's default WHATWG fetch (fetch).
    'sdk-http': { type: 'string', default: 'pool' },
    'baseline-runs': { type: 'string', default: '50' },
    // Closed-loop tasks run exactly as the saturated phase's, before it, and reported apart: the saturated phase then
    // measures the steady state. 1,000 by default: in session 14's runs V8 was still compiling a quarter of the
    // devnet's and the apps' CPU a minute in, and their CPU per task fell over the first ≈ 1,000–1,300 tasks
    // (devnet 31 → 18 ms by 1,063–1,309, 16–17 after; apps 23 → 10 ms, 9–10 after; docs/benchmarks.md "Session 14
    // (s14-cpu)"); from 1,000 on they are within ≈ 1–2 ms of the steady state, for ≈ 25 s of a quiet machine.
    'warmup-tasks': { type: 'string', default: '1000' },
    'ceiling-tasks': { type: 'string', default: '1000' },
    // The chain the ceiling runs start from: grown = the network's own chain, saved when the saturated phase
    // starts and when it ends (anvil's CPU per task grows with the chain: 7 → 26–28 ms over 10,000 tasks), the
    // ratio taken against the two combined; fresh = a new empty anvil (sessions ≤ 14); both = all three.
    'ceiling-state': { type: 'string', default: 'grown' },
    // The ceiling swings by a quarter between two runs a minute apart (session 12: 94.89 and 117.24 tasks/s on a
    // quiet machine): the ratio is taken against the median of this many runs, each on its own fresh anvil.
    'ceiling-runs': { type: 'string', default: '3' },
    'task-timeout-s': { type: 'string', default: '300' },
    // Stops sending new tasks of the saturated phase after this many minutes (0: none); the figures are then of
    // the tasks run so far, and the summary says so.
    'max-minutes': { type: 'string', default: '0' },
    // The open-loop latency phase: this many tasks (0: skipped) arriving at random (Poisson) at open-load × the
    // saturated phase's throughput.
    'open-tasks': { type: 'string', default: '200' },
    'open-load': { type: 'string', default: '0.5' },
    // Writes a V8 CPU profile of the devnet process (relay + every node daemon) to this folder.
    'cpu-prof-dir': { type: 'string' },
    // Node.js / V8 options for the devnet process alone (space-separated, e.g. "--trace-deopt" or
    // "--perf-basic-prof"): NODE_OPTIONS would reach the workers too, whose stdout is their protocol.
    'devnet-node-options': { type: 'string' },
    // Copies everything the devnet process prints (its services' warnings and errors, one line each) to this file.
    'devnet-output': { type: 'string' },
    // The devnet's log file level (info: every task step and relay request, timed); the file is kept when set.
    'devnet-log-level': { type: 'string' },
  },
});
const taskCount = parseIntegerFlag('tasks', values.tasks, 1);
const nodeCount = parseIntegerFlag('nodes', values.nodes, 1);
const appCount = parseIntegerFlag('apps', values.apps, 1);
const nodePollMs = parseIntegerFlag('node-poll-ms', values['node-poll-ms'], 1);
const sdkPollMs = parseIntegerFlag('sdk-poll-ms', values['sdk-poll-ms'], 1);
const baselineRuns = parseIntegerFlag('baseline-runs', values['baseline-runs'], 1);
const ceilingTasks = parseIntegerFlag('ceiling-tasks', values['ceiling-tasks'], 1);
const ceilingRuns = parseIntegerFlag('ceiling-runs', values['ceiling-runs'], 1);
const warmupTasks = parseIntegerFlag('warmup-tasks', values['warmup-tasks'], 0);
const ceilingMode = ((): 'fresh' | 'grown' | 'both' => {
  const mode = values['ceiling-state'];
  if (mode === 'fresh' || mode === 'grown' || mode === 'both') return mode;
  console.error(`error: --ceiling-state must be fresh, grown or both, got "${mode}".`);
  process.exit(1);
})();
const ceilingStates = [...new Set(planCeilingRuns(ceilingMode, 1))];
const taskTimeoutMs = parseIntegerFlag('task-timeout-s', values['task-timeout-s'], 1) * 1000;
const nonNegative = (name: string, text: string | undefined) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`error: --${name} must be a number ≥ 0, got "${text}".`);
    process.exit(1);
  }
  return value;
};
const maxMinutes = nonNegative('max-minutes', values['max-minutes']);
const openTasks = Math.floor(nonNegative('open-tasks', values['open-tasks']));
const openLoad = nonNegative('open-load', values['open-load']);
if (openLoad <= 0 || openLoad >= 1) {
  console.error(
    `error: --open-load must be between 0 and 1 (a share of the measured throughput), got "${values['open-load']}".`,
  );
  process.exit(1);
}
if (values['sdk-wait'] !== 'ws' && values['sdk-wait'] !== 'poll') {
  console.error(`error: --sdk-wait must be ws or poll, got "${values['sdk-wait']}".`);
  process.exit(1);
}
const sdkWait = values['sdk-wait'];
if (values['sdk-curve'] !== 'native' && values['sdk-curve'] !== 'js') {
  console.error(`error: --sdk-curve must be native or js, got "${values['sdk-curve']}".`);
  process.exit(1);
}
const sdkCurve = values['sdk-curve'];
if (values['sdk-http'] !== 'pool' && values['sdk-http'] !== 'fetch') {
  console.error(`error: --sdk-http must be pool or fetch, got "${values['sdk-http']}".`);
  process.exit(1);
}
const sdkHttp = values['sdk-http'];

const bin = resolve(fileURLToPath(import.meta.url), '../../bin.ts');
const root = mkdtempSync(join(tmpdir(), 'verinet-bench-network-'));
const dir = join(root, 'devnet');
const note = (line: string) => console.error(line);

/** The task every app sends: the tiny GPT-2, a few tokens (execution is small; the protocol is measured). */
const llmArgs = (seed: number) => ({
  model: 'verinet/tiny-gpt2',
  messages: [{ role: 'user', content: 'Count to three.' }],
  generation_config: { max_new_tokens: 4 },
  seed,
});

async function startNetwork(): Promise<{
  child: ChildProcess;
  exited: Promise<number | null>;
  warnings: Map<string, number>;
}> {
  const port = await getFreePort();
  const child = spawn(
    process.execPath,
    [
      ...(values['cpu-prof-dir'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof-dir'])] : []),
      ...(values['devnet-node-options']?.split(/\s+/).filter(Boolean) ?? []),
      '--import',
      'tsx',
      bin,
      'devnet',
      '--dir',
      dir,
      '--fresh',
      '--port',
      String(port),
      '--relay-port',
      '0',
      '--node-api-port',
      '0',
      '--nodes',
      String(nodeCount),
      '--log-level',
      values['devnet-log-level'] ?? 'error',
      '--node-poll-ms',
      String(nodePollMs),
      // The explorer's indexer and the bridge take no part in a task; they would only add load (Ponder reads
      // every block) and fixed ports.
      '--no-explorer',
      '--bridge-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const copy = values['devnet-output'] ? createWriteStream(resolve(values['devnet-output'])) : undefined;
  child.stdout?.on('data', (chunk) => {
    output += chunk;
    copy?.write(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
    copy?.write(chunk);
    // The nodes' and relay's errors during the run are worth seeing at once.
    if (output.length > 200_000) output = output.slice(-100_000);
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const deadline = Date.now() + 600_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(`the devnet exited while starting:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the devnet did not start in 600 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // What the devnet prints from here on: its services' warnings and errors during the run.
  let during = '';
  const warnings = new Map<string, number>();
  const take = (chunk: Buffer) => {
    during += chunk;
    const end = during.lastIndexOf('\n');
    if (end < 0) return;
    for (const [shape, count] of countDevnetWarnings(during.slice(0, end)))
      warnings.set(shape, (warnings.get(shape) ?? 0) + count);
    during = during.slice(end + 1);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return { child, exited, warnings };
}

async function measureExecution(modelsDir: string): Promise<number[]> {
  const { WorkerSupervisor } = await import('@verinet/worker');
  const { mkdtemp } = await import('node:fs/promises');
  const worker = new WorkerSupervisor({ modelsDir, threads: 1 });
  await worker.start();
  const durations: number[] = [];
  try {
    // One run to load the model (each node's worker is warm after its first task too).
    for (let run = 0; run <= baselineRuns; run++) {
      const outputDir = await mkdtemp(join(root, 'exec-'));
      const begin = performance.now();
      await worker.run({
        taskType: 'llm',
        args: { ...llmArgs(run), version: taskArgsVersions.llm },
        outputDir,
      });
      if (run > 0) durations.push(performance.now() - begin);
    }
  } finally {
    await worker.stop();
  }
  return durations;
}

async function main(): Promise<void> {
  note(
    `bench:network — ${taskCount} tasks, ${nodeCount} nodes, ${appCount} apps, node polling ${nodePollMs} ms`,
  );
  note('Starting the devnet (verinet devnet, its own process)…');
  const network = await startNetwork();
  let stopped = false;
  const stopNetwork = async () => {
    if (stopped) return;
    stopped = true;
    network.child.kill('SIGINT');
    await network.exited;
  };
  try {
    const info = devnetNetworkSchema.parse(JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')));
    const deployment = readDeployment(info.deploymentFile);

    note(`Execution baseline: the worker alone, ${baselineRuns} runs of the same task…`);
    const execution = await measureExecution(info.models.dir);

    // Apps: keys of their own, funded from the devnet's test accounts 2…9.
    const chain = {
      id: info.chainId,
      name: 'devnet',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [info.rpcUrl] } },
    } as const;
    const publicClient = createPublicClient({ chain, transport: http(info.rpcUrl), pollingInterval: 20 });
    const appKeys: Hex[] = Array.from({ length: appCount }, () => generatePrivateKey());
    for (const [index, key] of appKeys.entries()) {
      const funder = createWalletClient({
        account: privateKeyToAccount(getDevnetPrivateKey(2 + (index % 8))),
        chain,
        transport: http(info.rpcUrl),
      });
      const hash = await funder.sendTransaction({
        to: privateKeyToAccount(key).address,
        value: parseEther('50'),
      });
      await publicClient.waitForTransactionReceipt({ hash });
    }
    const { createClient, createMemoryStore, getChainFromDeployment, nativeCurve, nodeHttp } = await import(
      '@verinet/sdk/node'
    );
    const clients: VerinetClient[] = appKeys.map((key) =>
      createClient({
        chain: {
          ...getChainFromDeployment(deployment, info.rpcUrl),
          // anvil answers WebSocket on its HTTP port.
          ...(sdkWait === 'ws' ? { wsUrl: info.rpcUrl.replace(/^http/, 'ws') } : {}),
        },
        relay: info.relayUrl,
        account: key,
        store: createMemoryStore(),
        requirements: { gpu: info.gpu.name },
        pollIntervalMs: sdkPollMs,
        ...(sdkCurve === 'native' ? { curve: nativeCurve } : {}),
        ...(sdkHttp === 'pool' ? { http: nodeHttp } : {}),
        onTimeout: 'abort',
      }),
    );

    const devnetPid = network.child.pid ?? 0;
    const cpuOf = () => {
      const tree = readProcessTreeCpu(devnetPid, (pid, commandLine) =>
        pid === devnetPid ? 'devnet (relay + nodes)' : /anvil/.test(commandLine) ? 'anvil' : 'workers',
      );
      const own = process.cpuUsage();
      tree.set('apps (this process)', (own.user + own.system) / 1e6);
      return tree;
    };
    // One task through the SDK; its latency counts from `started` (an open-loop task's arrival).
    const runOne = async (client: VerinetClient, index: number, stats: PhaseStats, started: number) => {
      const marks = new Map<string, number>();
      try {
        // A task without its result in time counts as failed (the on-chain timeout alone is 15 minutes).
        const result = await client.chat.completions.create(llmArgs(index) as never, {
          signal: AbortSignal.timeout(taskTimeoutMs),
          // First occurrence of each step (the original's; group members come later).
          onProgress: (event) => {
            if (!marks.has(event.type)) marks.set(event.type, performance.now());
          },
        });
        stats.latencies.push(performance.now() - started);
        recordSteps(stats.steps, marks, started);
        if (result.verinet.validation === 'group') stats.sampled++;
      } catch (error) {
        const failure = `${(error as Error).name}: ${(error as Error).message.split('\n')[0]}`;
        stats.failures.push(failure);
        note(`  task ${index} failed: ${failure}`);
      }
    };
    /**
     * A closed-loop phase: every app runs one task after another, one in flight each, until `count` tasks were
     * sent (or `stopAt`); the warm-up and the saturated phase run through here alike.
     */
    const runClosedLoop = async (
      label: string,
      count: number,
      firstIndex: number,
      stopAt: number,
    ): Promise<ClosedLoop> => {
      const stats = createPhaseStats();
      let next = 0;
      let done = 0;
      const cpuAtStart = cpuOf();
      const loadAtStart = loadavg();
      const begin = performance.now();
      // Wall-clock bounds of the phase, for the devnet log's node and relay step times (Date.now() values).
      const window = { from: Date.now(), to: Number.POSITIVE_INFINITY };
      // Each process's CPU per task along the phase: anvil's grows with the chain's state (bench:anvil-growth);
      // the Node.js processes' falls while V8 still compiles their hot code (a quarter of their CPU a minute in,
      // perf: docs/benchmarks.md, "Session 14 (s14-cpu)").
      const ticks: CpuTick[] = [{ done: 0, cpu: cpuAtStart }];
      const progress = setInterval(() => {
        const seconds = (performance.now() - begin) / 1000;
        const cpu = cpuOf();
        const last = ticks[ticks.length - 1] as CpuTick;
        const anvilSeconds = cpu.get('anvil') ?? 0;
        const lastAnvil = last.cpu.get('anvil') ?? 0;
        const perTask = done > last.done ? ((anvilSeconds - lastAnvil) * 1000) / (done - last.done) : 0;
        ticks.push({ done, cpu });
        note(
          `  ${label}: ${done}/${count} done, ${stats.failures.length} failed, ${(done / seconds).toFixed(2)} tasks/s, anvil ${formatMs(perTask)} CPU/task lately, load ${loadavg()[0]?.toFixed(1)}`,
        );
      }, 15_000);
      await Promise.all(
        clients.map(async (client) => {
          while (next < count && performance.now() < stopAt) {
            const index = firstIndex + next++;
            await runOne(client, index, stats, performance.now());
            done++;
          }
        }),
      );
      clearInterval(progress);
      window.to = Date.now();
      const seconds = (performance.now() - begin) / 1000;
      const cpuAtEnd = cpuOf();
      ticks.push({ done, cpu: cpuAtEnd });
      return { stats, done, seconds, cpuAtStart, cpuAtEnd, loadAtStart, loadAtEnd: loadavg(), ticks, window };
    };
    /** The devnet's chain as it is now, for the ceiling runs to start from (`--ceiling-state grown`). */
    const saveChain = async (name: CeilingState): Promise<string | undefined> => {
      if (!ceilingStates.includes(name)) return undefined;
      const file = join(root, `chain-${name}.json`);
      return saveAnvilState(info.rpcUrl, file).then(
        ({ bytes, ms }) => {
          note(
            `  the chain saved for the ceiling (${name}): ${(bytes / 1e6).toFixed(1)} MB in ${formatMs(ms)}`,
          );
          return file;
        },
        (error: unknown) => {
          note(`  the chain could not be saved for the ceiling (${name}): ${(error as Error).message}`);
          return undefined;
        },
      );
    };

    // The warm-up: the first tasks run exactly as the saturated phase's, reported apart. Its first round is each
    // app's first task (VRF key binding) and the nodes' first tasks (model loads); after it, V8 has compiled the
    // hot code of every process, so that the saturated phase measures the steady state.
    let warmup: ClosedLoop | undefined;
    if (warmupTasks > 0) {
      note(
        `Warm-up phase: ${warmupTasks} tasks, every app closed loop, as the saturated phase (reported apart)…`,
      );
      warmup = await runClosedLoop('warm-up', warmupTasks, 1_000_000, Number.POSITIVE_INFINITY);
    }

    const chainAtStart = await saveChain('start');
    note(
      `Saturated phase: ${taskCount} tasks, every app closed loop${maxMinutes > 0 ? ` (at most ${maxMinutes} min)` : ''}…`,
    );
    const stopAt = maxMinutes > 0 ? performance.now() + maxMinutes * 60_000 : Number.POSITIVE_INFINITY;
    const saturatedLoop = await runClosedLoop('saturated', taskCount, 0, stopAt);
    const {
      stats: saturated,
      done,
      seconds,
      cpuAtStart,
      cpuAtEnd,
      loadAtStart,
      loadAtEnd,
      ticks: cpuTicks,
      window: saturatedWindow,
    } = saturatedLoop;
    const chainAtEnd = await saveChain('end');
    const throughput = saturated.latencies.length / seconds;

    // Open loop: Poisson arrivals at a rate below what the network sustains; each arrival takes an idle app (or
    // waits for one: that wait counts in its latency).
    const open = createPhaseStats();
    const openRate = openLoad * throughput;
    let openSeconds = 0;
    let openLoadAtStart: number[] = [];
    let openLoadAtEnd: number[] = [];
    const openWindow = { from: Date.now(), to: Number.POSITIVE_INFINITY };
    if (openTasks > 0 && openRate > 0) {
      note(`Open-loop phase: ${openTasks} tasks arriving at random at ${openRate.toFixed(2)} tasks/s…`);
      const idle = [...clients];
      const waiting: ((client: VerinetClient) => void)[] = [];
      const take = async () =>
        idle.pop() ?? new Promise<VerinetClient>((resolveClient) => waiting.push(resolveClient));
      const give = (client: VerinetClient) => {
        const waiter = waiting.shift();
        if (waiter) waiter(client);
        else idle.push(client);
      };
      openLoadAtStart = loadavg();
      openWindow.from = Date.now();
      const openBegin = performance.now();
      let arrival = openBegin;
      const running: Promise<void>[] = [];
      for (let index = 0; index < openTasks; index++) {
        arrival += (-Math.log(1 - Math.random()) / openRate) * 1000;
        const wait = arrival - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const arrivedAt = arrival;
        running.push(
          (async () => {
            const client = await take();
            try {
              await runOne(client, 2_000_000 + index, open, arrivedAt);
            } finally {
              give(client);
            }
          })(),
        );
      }
      await Promise.all(running);
      openSeconds = (performance.now() - openBegin) / 1000;
      openWindow.to = Date.now();
      openLoadAtEnd = loadavg();
    }
    await Promise.all(clients.map((client) => client.close()));
    const relayRefusals = await fetch(`${info.relayUrl}/metrics`)
      .then((answer) => answer.text())
      .then(countRelayRefusals, () => new Map<string, number>());
    await stopNetwork();
    // At level info the devnet logs every node step and relay request, timed (the log is complete once it stopped).
    const devnetLog = values['devnet-log-level'] ? readDevnetLog() : undefined;

    const warmupDone = warmup?.done ?? 0;
    const chainFiles: Record<CeilingState, string | undefined> = {
      fresh: undefined,
      start: chainAtStart,
      end: chainAtEnd,
    };
    note(
      `Chain-bound ceiling: the same calls alone on an anvil of their own (${ceilingRuns} × ${ceilingTasks} tasks per chain, ${Math.min(appCount, nodeCount)} apps; ${ceilingStates.map((state) => describeCeilingState(state, warmupDone, done)).join('; ')})…`,
    );
    const ceilings = new Map<CeilingState, MeasuredCeiling[]>(ceilingStates.map((state) => [state, []]));
    const anvilCpuSeconds = () =>
      readProcessTreeCpu(process.pid, (_pid, commandLine) =>
        /anvil/.test(commandLine) ? 'anvil' : 'other',
      ).get('anvil') ?? 0;
    for (const [run, state] of planCeilingRuns(ceilingMode, ceilingRuns).entries()) {
      const loadState = chainFiles[state];
      if (state !== 'fresh' && loadState === undefined) continue;
      // anvil's CPU from the end of the first task to the end of the last (the setup's deployment and
      // registrations left out): beside the network's, it says whether the ceiling's chain costs what the
      // network's did.
      let anvilAtFirst = 0;
      let anvilAtLast = 0;
      // A failed ceiling run must not lose the network figures measured before it.
      const measured = await measureChainCeiling({
        nodes: nodeCount,
        apps: Math.min(appCount, nodeCount),
        tasks: ceilingTasks,
        gpu: info.gpu,
        llmArgs: llmArgs(0),
        version: taskArgsVersions.llm,
        anvil: { ...devnetAnvilOptions, loadState },
        onTask: (finished) => {
          if (finished === 1) anvilAtFirst = anvilCpuSeconds();
          if (finished === ceilingTasks) anvilAtLast = anvilCpuSeconds();
        },
      }).catch((error: unknown) => {
        note(`  ceiling run ${run + 1} (${state}) failed: ${(error as Error).message.split('\n')[0]}`);
        return undefined;
      });
      if (measured) {
        const anvilMsPerTask =
          ceilingTasks > 1 ? ((anvilAtLast - anvilAtFirst) * 1000) / (ceilingTasks - 1) : Number.NaN;
        ceilings.get(state)?.push({ ...measured, anvilMsPerTask });
        note(
          `  ceiling run ${run + 1} (${state}): ${measured.tasksPerSecond.toFixed(2)} tasks/s, anvil ${formatMs(anvilMsPerTask)} CPU per task`,
        );
      }
    }
    const medianOf = (state: CeilingState) => medianCeiling(ceilings.get(state) ?? []).tasksPerSecond;
    const grownCeiling = combineGrownCeilings(medianOf('start'), medianOf('end'));
    const networkAnvilMs = (((cpuAtEnd.get('anvil') ?? 0) - (cpuAtStart.get('anvil') ?? 0)) * 1000) / done;

    const execP50 = percentile(execution, 50);
    const execP99 = percentile(execution, 99);
    const stopped =
      done < taskCount ? ` — stopped by --max-minutes ${maxMinutes} after ${done} of ${taskCount}` : '';
    console.log(`
bench:network (${new Date().toISOString()}, ${nodeCount} nodes, ${appCount} concurrent apps, LLM tiny-gpt2 4 tokens, node polling ${nodePollMs} ms, SDK polling ${sdkPollMs} ms${sdkWait === 'ws' ? ', SDK feed read at each new head (WebSocket)' : ''}, SDK curve ${sdkCurve}, SDK http ${sdkHttp}; anvil --hardfork ${devnetAnvilOptions.hardfork} --prune-history ${devnetAnvilOptions.pruneHistory}${devnetAnvilOptions.forkIdleBase ? ', forked from an idle anvil' : ''})
${warmup ? formatWarmup(warmup) : "  warm-up phase         none (--warmup-tasks 0): the saturated phase includes the apps' and nodes' first tasks and V8's warm-up"}
  saturated phase (every app closed loop, one task in flight each: throughput; latency ≈ queueing; ${warmupDone > 0 ? `after the ${warmupDone} warm-up tasks` : 'from the first task'})
  tasks run             ${done}${stopped} (${saturated.latencies.length} verified, ${saturated.failures.length} failed; ${saturated.sampled} sampled → validated by a group of 3)
  wall time             ${seconds.toFixed(1)} s (load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} at the start, ${loadAtEnd.map((l) => l.toFixed(1)).join(' ')} at the end; 2 cores)
  throughput            ${throughput.toFixed(2)} tasks/s
${formatCeilings(ceilings, warmupDone, done, networkAnvilMs, grownCeiling)}
  ratio                 ${formatRatios(throughput, ceilingMode, medianOf('fresh'), grownCeiling)}
  execution (worker)    p50 ${formatMs(execP50)}, p99 ${formatMs(execP99)} (n = ${execution.length}, worker alone, same arguments)`);
    printLatency('saturated', saturated, execP50, execP99);
    for (const line of [...formatCpu(cpuAtStart, cpuAtEnd, done, seconds), ...formatCpuGrowth(cpuTicks)])
      console.log(line);
    printSteps(saturated);
    if (devnetLog) printDevnetSteps(readDevnetSteps(devnetLog, saturatedWindow));
    if (openTasks > 0) {
      console.log(`  open-loop phase (Poisson arrivals at ${openLoad} × the saturated throughput = ${openRate.toFixed(2)} tasks/s offered: latency at a sustainable load)
  tasks run             ${open.latencies.length + open.failures.length} (${open.latencies.length} verified, ${open.failures.length} failed; ${open.sampled} sampled) in ${openSeconds.toFixed(1)} s = ${((open.latencies.length + open.failures.length) / Math.max(openSeconds, 1e-9)).toFixed(2)} tasks/s (load average ${openLoadAtStart.map((l) => l.toFixed(1)).join(' ')} at the start, ${openLoadAtEnd.map((l) => l.toFixed(1)).join(' ')} at the end)`);
      printLatency('open loop', open, execP50, execP99);
      printSteps(open);
      if (devnetLog) printDevnetSteps(readDevnetSteps(devnetLog, openWindow));
    }
    // Counted over the whole devnet run (warm-up included): each retryable refusal costs its caller a wait.
    if (relayRefusals.size > 0) {
      const all = relayRefusals.get('all') ?? 0;
      relayRefusals.delete('all');
      console.log(
        `  relay answers         ${all} in all (warm-up included), ${relayRefusals.size === 0 ? 'all 2xx' : 'other than 2xx:'}`,
      );
      for (const [what, count] of relayRefusals) console.log(`    ${String(count).padStart(6)} × ${what}`);
    }
    if (network.warnings.size > 0) {
      console.log('  devnet warnings and errors (warm-up included):');
      for (const [what, count] of [...network.warnings].sort((a, b) => b[1] - a[1]).slice(0, 15))
        console.log(`    ${String(count).padStart(6)} × ${what}`);
    }
    const warmupFailures = warmup?.stats.failures ?? [];
    const failures = [...warmupFailures, ...saturated.failures, ...open.failures];
    const ranOpen = open.latencies.length + open.failures.length;
    console.log(
      `  failed tasks          ${failures.length} of ${warmupDone + done + ranOpen} run in all (warm-up ${warmupFailures.length} of ${warmupDone}, saturated ${saturated.failures.length} of ${done}, open loop ${open.failures.length} of ${ranOpen}; target: zero over ≥ 10,000)`,
    );
    if (failures.length > 0) {
      const counts = new Map<string, number>();
      for (const failure of failures) counts.set(failure, (counts.get(failure) ?? 0) + 1);
      console.log('  failures:');
      for (const [failure, count] of counts) console.log(`    ${count} × ${failure}`);
    }
  } finally {
    await stopNetwork();
    if (values['devnet-log-level']) note(`The devnet's folder is kept: ${dir} (log: devnet.log).`);
    else rmSync(root, { recursive: true, force: true });
  }
}

/** What one phase measured: each verified task's end-to-end latency, failures, the SDK's step intervals. */
type PhaseStats = { latencies: number[]; failures: string[]; sampled: number; steps: Map<string, number[]> };

const createPhaseStats = (): PhaseStats => ({ latencies: [], failures: [], sampled: 0, steps: new Map() });

const stepOrder = ['prepared', 'uploaded', 'created', 'node', 'scored', 'validated', 'downloaded'] as const;

/** Where the protocol time goes: the time between consecutive steps of a task (SDK progress events). */
function recordSteps(steps: Map<string, number[]>, marks: Map<string, number>, started: number): void {
  let previous = started;
  let previousName = 'start';
  for (const name of stepOrder) {
    const at = marks.get(name);
    if (at === undefined) continue;
    const key = `${previousName} → ${name}`;
    const list = steps.get(key) ?? [];
    list.push(at - previous);
    steps.set(key, list);
    previous = at;
    previousName = name;
  }
}

function printLatency(label: string, stats: PhaseStats, execP50: number, execP99: number): void {
  if (stats.latencies.length === 0) return;
  const p50 = percentile(stats.latencies, 50);
  const p99 = percentile(stats.latencies, 99);
  console.log(`  end to end (${label})${' '.repeat(Math.max(1, 9 - label.length))}p50 ${formatMs(p50)}, p99 ${formatMs(p99)} (n = ${stats.latencies.length}; min ${formatMs(Math.min(...stats.latencies))}, max ${formatMs(Math.max(...stats.latencies))})
  protocol (${label})${' '.repeat(Math.max(1, 11 - label.length))}p50 ${formatMs(p50 - execP50)}, p99 ${formatMs(p99 - execP99)} (end to end minus execution; target ≤ 300 ms p50, judged on the open loop)`);
}

function printSteps(stats: PhaseStats): void {
  if (stats.steps.size === 0) return;
  console.log('  protocol steps (SDK events, p50 / p99 of each interval, all verified tasks of the phase):');
  for (const [name, list] of stats.steps)
    console.log(
      `    ${name.padEnd(24)} p50 ${formatMs(percentile(list, 50))}, p99 ${formatMs(percentile(list, 99))} (n = ${list.length})`,
    );
}

/** The devnet's log file, or undefined when unreadable (the bench's figures do not depend on it). */
function readDevnetLog(): string | undefined {
  try {
    return readFileSync(join(dir, 'devnet.log'), 'utf8');
  } catch {
    return undefined;
  }
}

function printDevnetSteps(steps: DevnetSteps): void {
  if (steps.node.size === 0) return;
  console.log('  node steps (devnet log, p50 / p99 of each interval; seen = the watcher stored the task):');
  for (const [name, list] of steps.node)
    console.log(
      `    ${name.padEnd(32)} p50 ${formatMs(percentile(list, 50))}, p99 ${formatMs(percentile(list, 99))} (n = ${list.length})`,
    );
  console.log("  relay requests (devnet log, the relay's own response time, p50 / p99):");
  for (const [route, list] of [...steps.relay].sort((a, b) => b[1].length - a[1].length))
    console.log(
      `    ${route.padEnd(44)} p50 ${formatMs(percentile(list, 50))}, p99 ${formatMs(percentile(list, 99))} (n = ${list.length})`,
    );
}

type CpuTick = { done: number; cpu: ProcessTreeCpu };

/**
 * Each process's CPU per task along the run, in up to 8 windows: anvil's grows with the chain's state; the Node.js
 * processes' falls as V8 optimizes their hot code (a short run measures part of that warm-up).
 */
function formatCpuGrowth(ticks: CpuTick[]): string[] {
  const first = ticks[0];
  const last = ticks[ticks.length - 1];
  if (!first || !last || last.done === 0) return [];
  const lines: string[] = [];
  const windows = Math.min(8, ticks.length - 1);
  for (const role of ['anvil', 'devnet (relay + nodes)', 'apps (this process)', 'workers']) {
    const parts: string[] = [];
    let from = first;
    for (let window = 1; window <= windows; window++) {
      const to = ticks[Math.round((window * (ticks.length - 1)) / windows)] as CpuTick;
      const spent = (to.cpu.get(role) ?? 0) - (from.cpu.get(role) ?? 0);
      if (to.done > from.done)
        parts.push(`${from.done}–${to.done} ${formatMs((spent * 1000) / (to.done - from.done))}`);
      from = to;
    }
    const label =
      role === 'anvil' ? 'anvil CPU per task    ' : `${role.split(' ')[0]} CPU per task`.padEnd(22);
    lines.push(`  ${label}by tasks done: ${parts.join(', ')}`);
  }
  return lines;
}

/** CPU per task by process during a phase: unlike wall time, it hardly depends on what else the machine runs. */
function formatCpu(before: ProcessTreeCpu, after: ProcessTreeCpu, tasks: number, seconds: number): string[] {
  if (tasks === 0 || after.size <= 1) return [];
  let total = 0;
  const parts: string[] = [];
  for (const [role, used] of after) {
    const spent = used - (before.get(role) ?? 0);
    total += spent;
    parts.push(`${role} ${formatMs((spent * 1000) / tasks)}`);
  }
  return [
    `  CPU per task          ${formatMs((total * 1000) / tasks)} (${parts.join(', ')}; ${(total / seconds).toFixed(2)} cores busy on average)`,
  ];
}

/** What a closed-loop phase (the warm-up, the saturated phase) measured. */
type ClosedLoop = {
  stats: PhaseStats;
  done: number;
  seconds: number;
  cpuAtStart: ProcessTreeCpu;
  cpuAtEnd: ProcessTreeCpu;
  loadAtStart: number[];
  loadAtEnd: number[];
  ticks: CpuTick[];
  window: { from: number; to: number };
};

const formatLoad = (load: number[]) => load.map((l) => l.toFixed(1)).join(' ');

/** The warm-up's own figures: throughput, failures, CPU per task by process and along the phase. */
function formatWarmup(warmup: ClosedLoop): string {
  const { stats, done, seconds } = warmup;
  return [
    "  warm-up phase (closed loop as the saturated phase, before it; not in its figures: the apps' and nodes' first tasks, V8 compiling the hot code)",
    `  tasks run             ${done} (${stats.latencies.length} verified, ${stats.failures.length} failed; ${stats.sampled} sampled) in ${seconds.toFixed(1)} s = ${(stats.latencies.length / Math.max(seconds, 1e-9)).toFixed(2)} tasks/s (load average ${formatLoad(warmup.loadAtStart)} at the start, ${formatLoad(warmup.loadAtEnd)} at the end)`,
    ...(stats.latencies.length > 0
      ? [
          `  end to end (warm-up)  p50 ${formatMs(percentile(stats.latencies, 50))}, p99 ${formatMs(percentile(stats.latencies, 99))}`,
        ]
      : []),
    ...formatCpu(warmup.cpuAtStart, warmup.cpuAtEnd, done, seconds),
    ...formatCpuGrowth(warmup.ticks),
  ].join('\n');
}

/** A ceiling run with anvil's CPU per task over it. */
type MeasuredCeiling = ChainCeiling & { anvilMsPerTask: number };

/** Where a ceiling run's chain comes from, for the output. */
function describeCeilingState(state: CeilingState, warmupDone: number, saturatedDone: number): string {
  if (state === 'fresh') return 'fresh: a new anvil, contracts deployed on an empty chain';
  const tasks = state === 'start' ? warmupDone : warmupDone + saturatedDone;
  return `${state}: the network's chain as saved at the saturated phase's ${state} (${tasks} tasks run), contracts deployed again on it`;
}

/** The chain-bound ceiling lines: each chain's median run, and the grown chain's combined ceiling. */
function formatCeilings(
  ceilings: Map<CeilingState, MeasuredCeiling[]>,
  warmupDone: number,
  saturatedDone: number,
  networkAnvilMs: number,
  grownCeiling: number,
): string {
  const lines: string[] = [];
  for (const [state, runs] of ceilings) {
    const median = medianCeiling(runs);
    const anvil = runs.map((run) => formatMs(run.anvilMsPerTask).replace(' ms', '')).join(', ');
    lines.push(
      `  chain-bound ceiling   ${state.padEnd(5)} ${median.tasksPerSecond.toFixed(2)} tasks/s, the median of ${runs.length} run${runs.length === 1 ? '' : 's'} (${runs.map((c) => c.tasksPerSecond.toFixed(2)).join(', ')}; ${ceilingSpread(runs)}); the median run: ${median.txPerSecond.toFixed(1)} tx/s, ${median.tasks} unsampled tasks = ${median.transactions} transactions in ${median.seconds.toFixed(1)} s; anvil CPU per task ${anvil} ms (${describeCeilingState(state, warmupDone, saturatedDone)})`,
    );
  }
  if (ceilings.has('start'))
    lines.push(
      `  chain-bound ceiling   grown ${grownCeiling.toFixed(2)} tasks/s: start and end combined by the mean time per task (the saturated phase's chain grew from the one to the other; its anvil CPU per task: ${formatMs(networkAnvilMs)})`,
    );
  return lines.join('\n');
}

/** The ratio line: against the ceiling `--ceiling-state` names, and against the fresh anvil's when measured too. */
function formatRatios(
  throughput: number,
  mode: 'fresh' | 'grown' | 'both',
  freshCeiling: number,
  grownCeiling: number,
): string {
  const percent = (ceiling: number) => `${((throughput / ceiling) * 100).toFixed(1)} %`;
  if (mode === 'fresh')
    return `${percent(freshCeiling)} of the fresh-anvil ceiling (target ≥ 50 %; --ceiling-state fresh)`;
  return `${percent(grownCeiling)} of the grown-chain ceiling (target ≥ 50 %; --ceiling-state ${mode})${mode === 'both' ? `; ${percent(freshCeiling)} of the fresh-anvil ceiling` : ''}`;
}

main().catch((error: unknown) => {
  console.error(`error: bench:network failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
