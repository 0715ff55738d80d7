/**
 * `npm run bench:node`: what the node daemon adds over the worker's own execution time, for LLM tasks with the
 * tiny GPT-2 on a local anvil (in-process daemon, real worker, in-memory relay):
 *
 * 1. instant mining: from the draw's receipt (the app's settleDraws; the node can know of its task from then) to
 *    the node's submitScore mined, minus the worker's run of the same task; the time split by step; a baseline
 *    measured in the same run, between the tasks: one JSON-RPC round trip and one transaction sent and its
 *    receipt read (what any chain step costs on this machine right now);
 * 2. tasks per second one node sustains (create, draw, run, report, validate, one task after the other: one node
 *    holds one task until its validation);
 * 3. RSS of the idle node (this process, which holds the daemon, plus its worker process);
 * 4. 1 s blocks (anvil --block-time 1, the node polling every 250 ms): blocks from the draw's block to the
 *    submitScore block (1 is the least possible: a report in the seed block is refused).
 *
 * BENCH_RUNS (default 10) tasks per figure after one warm-up; BENCH_BLOCK_RUNS (default 5) with 1 s blocks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyGpt2 } from '@verinet/worker/llm';
import pino from 'pino';
import { parseEther } from 'viem';
import { getTask } from '../store/index.js';
import { createTestTask, joinTestNode, settleTestDraws, validateTestTask } from '../testing/app.js';
import { createMemoryRelay } from '../testing/createMemoryRelay.js';
import { startTestDevnet, type TestDevnet, testWallet, waitFor } from '../testing/devnet.js';
import { startTestNode, type TestNode } from '../testing/startTestNode.js';

const runs = Number(process.env.BENCH_RUNS ?? 10);
const blockRuns = Number(process.env.BENCH_BLOCK_RUNS ?? 5);
const root = mkdtempSync(join(tmpdir(), 'verinet-bench-node-'));
const modelsDir = join(root, 'models');
await writeTinyGpt2({ modelsDir });
const fee = parseEther('0.01');
const appIndex = 15;

const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))]!;
};
const stats = (values: number[], unit = 'ms', digits = 0) =>
  `median ${quantile(values, 0.5).toFixed(digits)} ${unit} (n=${values.length}; p10-p90 ${quantile(values, 0.1).toFixed(digits)}-${quantile(values, 0.9).toFixed(digits)}, min-max ${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;
const argsOf = (i: number, tag: string) => ({
  model: 'verinet/tiny-gpt2',
  messages: [{ role: 'user', content: `bench ${tag} ${i}` }],
  generation_config: { max_new_tokens: 4 },
});

/** A node whose worker runs are timed, and whose step changes are timestamped (from its own log). */
async function startTimedNode(devnet: TestDevnet, name: string, pollIntervalMs: number) {
  const relay = createMemoryRelay();
  const steps = new Map<string, Map<string, number>>();
  const log = pino(
    { level: 'info' },
    {
      write(line: string) {
        if (process.env.BENCH_DEBUG) process.stderr.write(line);
        const entry = JSON.parse(line) as { msg?: string; taskKey?: string; to?: string };
        if (entry.msg !== 'task step' || !entry.taskKey || !entry.to) return;
        const key = entry.taskKey.toLowerCase();
        if (!steps.has(key)) steps.set(key, new Map());
        steps.get(key)!.set(entry.to, performance.now());
      },
    },
  );
  const node: TestNode = await startTestNode({
    devnet,
    index: 1,
    relay,
    dataDir: join(root, name),
    modelsDir,
    pollIntervalMs,
    log,
    settleDelayMs: 60_000,
    settleBackstopMs: 600_000,
  });
  const workerMs = new Map<string, number>();
  const run = node.worker.run.bind(node.worker);
  node.worker.run = async (task) => {
    const start = performance.now();
    try {
      return await run(task);
    } finally {
      workerMs.set(String(task.requestId).toLowerCase(), performance.now() - start);
    }
  };
  return { node, relay, steps, workerMs };
}

type Timed = Awaited<ReturnType<typeof startTimedNode>>;

/** One task: created and drawn by the app, run by the node until its report is mined, then validated. */
async function oneTask(devnet: TestDevnet, timed: Timed, i: number, tag: string) {
  const task = await createTestTask(devnet, appIndex, 'llm', argsOf(i, tag), fee, { settle: false });
  timed.relay.putArgs(task.taskKey, task.bytes, task.salt);
  // The app settles the draw (the node's own settler waits longer) and sees the receipt within 5 ms.
  await settleTestDraws(devnet, appIndex, 5);
  const drawn = performance.now();
  const key = task.taskKey.toLowerCase();
  // The daemon's own step (logged), or the watcher seeing the TaskScoreReady event first (then: now).
  await waitFor(
    () => {
      if (timed.steps.get(key)?.has('reported')) return true;
      const step = getTask(timed.node.store, task.taskKey)?.step;
      if (step !== 'reported' && step !== 'ended') return false;
      if (!timed.steps.has(key)) timed.steps.set(key, new Map());
      timed.steps.get(key)!.set('reported', performance.now());
      return true;
    },
    120_000,
    'reported',
  );
  const record = getTask(timed.node.store, task.taskKey)!;
  const submitBlock = (
    timed.node.store.db
      .prepare("SELECT block_number FROM transactions WHERE task_key = ? AND purpose = 'submitScore'")
      .get(key) as { block_number: number }
  ).block_number;
  await validateTestTask(devnet, appIndex, task.taskKey);
  if (record.startedBlock === null) throw new Error('no draw block recorded');
  return {
    drawn,
    steps: timed.steps.get(key)!,
    workerMs: timed.workerMs.get(key) ?? Number.NaN,
    drawBlock: record.startedBlock,
    submitBlock,
  };
}

/** Baseline: one JSON-RPC round trip, and one transaction (a transfer by the app) sent and its receipt read. */
async function baseline(devnet: TestDevnet) {
  const start = performance.now();
  await devnet.client.getBlockNumber();
  const rpcMs = performance.now() - start;
  const { wallet, account } = testWallet(devnet, appIndex);
  const txStart = performance.now();
  const hash = await wallet.sendTransaction({ to: account.address, value: 0n });
  await devnet.client.waitForTransactionReceipt({ hash, pollingInterval: 10 });
  return { rpcMs, txMs: performance.now() - txStart };
}

const rssMb = (pid: number | undefined) => {
  if (pid === undefined) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
};

const lines: string[] = [];
const print = (line: string) => {
  lines.push(line);
  console.log(line);
};

// ---- 1-3: instant mining ----
if (!process.env.BENCH_SKIP_INSTANT) {
  const devnet = await startTestDevnet();
  try {
    await joinTestNode(devnet, 1, ['base:verinet/tiny-gpt2']);
    const timed = await startTimedNode(devnet, 'instant', 50);
    const overheads: number[] = [];
    const workers: number[] = [];
    const rpcs: number[] = [];
    const txs: number[] = [];
    const split: Record<string, number[]> = {
      'draw -> args_ready (watch, chain reads, relay)': [],
      'args_ready -> models_ready': [],
      'models_ready -> executed minus worker run': [],
      'executed -> result_uploaded (relay)': [],
      'result_uploaded -> reported (submitScore mined)': [],
    };
    for (let i = 0; i <= runs; i++) {
      const t = await oneTask(devnet, timed, i, 'instant');
      const at = (step: string) => t.steps.get(step)!;
      if (i === 0) continue; // warm-up (first worker load)
      const total = at('reported') - t.drawn;
      overheads.push(total - t.workerMs);
      workers.push(t.workerMs);
      const values = Object.values(split);
      values[0]!.push(at('args_ready') - t.drawn);
      values[1]!.push(at('models_ready') - at('args_ready'));
      values[2]!.push(at('executed') - at('models_ready') - t.workerMs);
      values[3]!.push(at('result_uploaded') - at('executed'));
      values[4]!.push(at('reported') - at('result_uploaded'));
      const b = await baseline(devnet);
      rpcs.push(b.rpcMs);
      txs.push(b.txMs);
    }
    print(`bench:node: ${runs} LLM tasks (tiny GPT-2, 4 tokens) per figure, 1 warm-up not counted`);
    print('instant mining, node polling every 50 ms:');
    print(`  node overhead (draw mined -> submitScore mined, minus worker): ${stats(overheads)}`);
    print(`  worker run (same tasks):                                     ${stats(workers)}`);
    for (const [name, values] of Object.entries(split)) print(`    ${name.padEnd(50)} ${stats(values)}`);
    print(`  baseline, same run: one JSON-RPC round trip                 ${stats(rpcs, 'ms', 1)}`);
    print(`  baseline, same run: one transaction sent + receipt          ${stats(txs)}`);
    print(
      `  overhead / baseline transaction: ${(quantile(overheads, 0.5) / quantile(txs, 0.5)).toFixed(1)}x (medians)`,
    );

    const start = performance.now();
    for (let i = 0; i < runs; i++) await oneTask(devnet, timed, i, 'throughput');
    const seconds = (performance.now() - start) / 1000;
    print(
      `  sustained: ${runs} tasks in ${seconds.toFixed(1)} s = ${(runs / seconds).toFixed(2)} tasks/s (create, draw, run, report, validate; one at a time per node)`,
    );

    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) {
      idle.push(rssMb(process.pid) + rssMb(timed.node.worker.pid));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    print(
      `  idle RSS (daemon process ${rssMb(process.pid).toFixed(0)} MB incl. this bench, + worker ${rssMb(timed.node.worker.pid).toFixed(0)} MB): ${stats(idle, 'MB')}`,
    );
    await timed.node.stop();
  } finally {
    await devnet.stop();
  }
}

// ---- 4: 1 s blocks ---------------------------------------------------------------------------------------------
{
  const devnet = await startTestDevnet({ blockTime: 1 });
  try {
    await joinTestNode(devnet, 1, ['base:verinet/tiny-gpt2']);
    const timed = await startTimedNode(devnet, 'blocks', 250);
    const blocks: number[] = [];
    for (let i = 0; i <= blockRuns; i++) {
      const t = await oneTask(devnet, timed, i, 'blocks');
      if (i === 0) continue;
      blocks.push(t.submitBlock - t.drawBlock);
    }
    print('1 s blocks, node polling every 250 ms:');
    print(`  draw block -> submitScore block: ${stats(blocks, 'blocks')}`);

    await timed.node.stop();
  } finally {
    await devnet.stop();
  }
}
print(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (2 cores)`,
);
rmSync(root, { recursive: true, force: true });
process.exit(0);
