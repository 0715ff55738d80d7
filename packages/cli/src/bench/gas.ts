/**
 * npm run bench:gas — transactions and gas of the protocol's happy paths, measured on a real anvil chain with
 * the compiled contracts, and the gas of createTask with 10, 1,000 and 100,000 registered nodes (forge, with a
 * harness that bulk-registers nodes). Prints figures and ratios against the targets and the reference
 * implementation's figures (PROTOCOL.md). Not a test: it never fails on a figure.
 * `--markdown` also writes docs/benchmarks/gas.md (date, run count, median, max and spread per figure).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { parseEther } from 'viem';
import { startAnvil } from '../anvil/startAnvil.js';
import { buildContracts, contractsDir } from '../deploy/artifacts.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { getFoundryBinary } from '../foundry/getFoundryBinary.js';
import { createDevnetActors } from '../scenarios/devnetActors.js';
import {
  imageScore,
  joinNodes,
  runTaskStream,
  runUnsampledTask,
  runValidationGroup,
  type TxRecord,
  useRelaySigner,
} from '../scenarios/taskScenarios.js';

const reference = {
  unsampled: { txs: 5, gas: 3_000_000 },
  stream: { txs: 5, gas: 3_000_000 },
  group: { txs: 11, gas: 6_000_000 },
};
// The stream is the unsampled task as a busy network runs it: the same target applies.
const targets = {
  unsampled: { txs: 3, gas: 300_000 },
  stream: { txs: 3, gas: 300_000 },
  group: { txs: 10, gas: 1_500_000 },
};
type PathName = keyof typeof targets;
const titles: Record<PathName, string> = {
  unsampled: 'Unsampled task, isolated (its own settleDraws transaction)',
  stream:
    "Unsampled task in a steady stream (each draw settled by the next task's transactions, no settleDraws)",
  group: 'Validation group',
};

const median = (values: bigint[]) =>
  [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[Math.floor(values.length / 2)]!;
const fmt = (n: bigint | number) => Number(n).toLocaleString('en-US');

// Math.max and Math.min take no bigints.
const sorted = (values: bigint[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const maxOf = (values: bigint[]) => sorted(values).at(-1)!;
const minOf = (values: bigint[]) => sorted(values)[0]!;

type Row = { name: string; perRun: number; median: bigint; max: bigint; min: bigint };
type Summary = {
  name: PathName;
  runs: number;
  txs: number;
  rows: Row[];
  total: Row;
  met: boolean;
};
const summaries: Summary[] = [];

function summarize(name: PathName, runs: TxRecord[][]) {
  const totals = runs.map((txs) => txs.reduce((sum, t) => sum + t.gasUsed, 0n));
  const total = median(totals);
  const txs = runs[0]!.length;
  // Gas does not depend on the machine's load; printed so that a figure is never quoted without it.
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(`\n${titles[name]} (${runs.length} runs, median; max; spread; load average ${load})`);
  const labels = [...new Set(runs[0]!.map((t) => t.label))];
  const rows: Row[] = [];
  for (const label of labels) {
    const gas = runs.flatMap((run) => run.filter((t) => t.label === label).map((t) => t.gasUsed));
    const perRun = runs[0]!.filter((t) => t.label === label).length;
    const row = { name: label, perRun, median: median(gas), max: maxOf(gas), min: minOf(gas) };
    rows.push(row);
    console.log(
      `  ${label.padEnd(22)} ${String(perRun).padStart(2)} × ${fmt(row.median).padStart(9)} gas (max ${fmt(row.max)}, min ${fmt(row.min)})`,
    );
  }
  const ref = reference[name];
  const target = targets[name];
  const met = txs <= target.txs && total <= BigInt(target.gas);
  console.log(
    `  total: ${txs} transactions, median ${fmt(total)} gas, max ${fmt(maxOf(totals))}, min ${fmt(minOf(totals))}`,
  );
  console.log(
    `  target ≤ ${target.txs} tx, ≤ ${fmt(target.gas)} gas (median): ${met ? 'met' : 'NOT met'}` +
      ` (${((Number(total) / target.gas) * 100).toFixed(0)}% of the gas target)`,
  );
  console.log(
    `  vs reference (${ref.txs} tx, ~${fmt(ref.gas)} gas): ${(ref.gas / Number(total)).toFixed(1)}× less gas, ${ref.txs - txs} fewer transactions`,
  );
  summaries.push({
    name,
    runs: runs.length,
    txs,
    rows,
    total: { name: 'total', perRun: txs, median: total, max: maxOf(totals), min: minOf(totals) },
    met,
  });
}

/** docs/benchmarks/gas.md from this run's figures (never edited by hand). */
function writeMarkdown(scaling: string[]) {
  const lines = [
    '# Gas benchmark (`npm run bench:gas -- --markdown`)',
    '',
    `Written by \`packages/cli/src/bench/gas.ts\` on ${new Date().toISOString()}: receipts on anvil (real refunds),`,
    "3 nodes, every task with the relay's ArgsAvailable statement. Figures are this run's, not the best of several.",
    `Load average at the end of the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (gas does not depend on it).`,
    '',
  ];
  for (const s of summaries) {
    const target = targets[s.name];
    lines.push(
      `## ${titles[s.name]} (${s.runs} runs)`,
      '',
      '| transaction | per run | median | max | min | spread (max - min) |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of [...s.rows, s.total]) {
      lines.push(
        `| ${r.name} | ${r.perRun} | ${fmt(r.median)} | ${fmt(r.max)} | ${fmt(r.min)} | ${fmt(r.max - r.min)} |`,
      );
    }
    lines.push(
      '',
      `Target ≤ ${target.txs} transactions and ≤ ${fmt(target.gas)} gas, judged on the median: **${s.met ? 'met' : 'not met'}**.`,
      '',
    );
  }
  if (scaling.length > 0)
    lines.push('## createTask by registered nodes (forge bench profile)', '', ...scaling, '');
  const file = join(contractsDir, '..', 'docs', 'benchmarks', 'gas.md');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  console.log(`\nwrote ${file}`);
}

async function benchHappyPaths(runs: number) {
  buildContracts();
  const anvil = await startAnvil();
  try {
    const stake = parseEther('1');
    const fee = parseEther('0.01');
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      privateKey: getDevnetPrivateKey(0),
      minStake: stake,
    });
    const actors = createDevnetActors(anvil.rpcUrl, deployment, 3);
    await joinNodes(actors, stake);
    // Every task carries the relay's ArgsAvailable statement, as on a real network.
    await useRelaySigner(actors);
    const unsampled: TxRecord[][] = [];
    for (let i = 0; i < runs; i++)
      unsampled.push((await runUnsampledTask(actors, fee, imageScore('honest'))).txs);
    summarize('unsampled', unsampled);
    // A stream of runs + 3 tasks; the first two and the last are left out (the second task's createTask
    // also settles the first task's draw, the last task has no next task to settle), so each summarized task
    // carries exactly one draw, as in the middle of a busy network.
    const stream = await runTaskStream(actors, fee, imageScore('honest'), runs + 3);
    summarize(
      'stream',
      stream.tasks.slice(2, -1).map((t) => t.txs),
    );

    const hash = await actors.deployer.wallet.writeContract({
      address: actors.taskManager.address,
      abi: taskManagerAbi,
      functionName: 'setSamplingDenominator',
      args: [2n],
    });
    await actors.publicClient.waitForTransactionReceipt({ hash });
    const groups: TxRecord[][] = [];
    for (let i = 0; i < runs; i++)
      groups.push((await runValidationGroup(actors, fee, () => imageScore('honest'))).txs);
    summarize('group', groups);
  } finally {
    await anvil.stop();
  }
}

function benchCreateTaskScaling(): string[] {
  const scaling: string[] = [];
  console.log('\ncreateTask gas by registered nodes (forge bench profile, bulk-registered nodes)');
  const forge = getFoundryBinary('forge');
  if (!existsSync(join(contractsDir, 'bench'))) {
    console.log('  (no contracts/bench yet)');
    return scaling;
  }
  const result = spawnSync(forge, ['test'], {
    cwd: contractsDir,
    env: { ...process.env, FOUNDRY_PROFILE: 'bench' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    console.log(
      `  forge bench failed:\n${(result.stdout + result.stderr).split('\n').slice(-20).join('\n')}`,
    );
    return scaling;
  }
  const file = join(contractsDir, 'snapshots', 'TaskManagerGas.json');
  if (!existsSync(file)) {
    console.log('  (no snapshots/TaskManagerGas.json written)');
    return scaling;
  }
  const figures = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const at10 = Number(figures.createTask_nodes_10_tx ?? Number.NaN);
  for (const nodes of [10, 1_000, 100_000]) {
    const value = Number(figures[`createTask_nodes_${nodes}_tx`] ?? Number.NaN);
    console.log(
      `  ${fmt(nodes).padStart(7)} nodes: ${fmt(value).padStart(9)} gas  (${(value / at10).toFixed(3)}× the 10-node figure; target ≤ 1.10×)`,
    );
    scaling.push(
      `- ${fmt(nodes)} nodes: ${fmt(value)} gas (${(value / at10).toFixed(3)}× the 10-node figure)`,
    );
  }
  console.log('  forge figures per call, each from cold storage (execution + intrinsic, before refunds):');
  for (const [name, value] of Object.entries(figures)) {
    if (name.endsWith('_tx') && !name.startsWith('createTask_nodes')) {
      console.log(`    ${name.padEnd(44)} ${fmt(Number(value)).padStart(9)}`);
    }
  }
  return scaling;
}

const runs = Number(process.env.BENCH_RUNS ?? 5);
await benchHappyPaths(runs);
const scaling = benchCreateTaskScaling();
if (process.argv.includes('--markdown')) writeMarkdown(scaling);
