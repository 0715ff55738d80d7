/**
 * npm run bench:anvil-growth -- [--tasks 3000] [--window 300] [--hardfork cancun|prague|…] [--prune-history 512]
 *                                [--fork]   (the chain forks an idle empty anvil; both anvils' CPU counted)
 *                                [--state]  (anvil keeps a `--state` file, as the devnet does: dumped every minute)
 *
 * anvil's CPU per task as the chain grows: the chain-bound ceiling's calls (createTask, the draw, submitScore,
 * validateSingleTask; measureChainCeiling.ts) on a fresh anvil with the given options, anvil's CPU time (from
 * /proc) printed per window of tasks, with its resident memory. Finds what makes a long network run slower
 * (anvil's own cost per block, not the clients' queries: nothing else talks to this anvil). Not a test.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { taskArgsVersions } from '@verinet/protocol/args';
import { measureChainCeiling } from './measureChainCeiling.js';
import { formatMs } from './networkStats.js';
import { parseIntegerFlag } from './parseIntegerFlag.js';
import { readProcessTreeCpu } from './readProcessCpu.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '3000' },
    window: { type: 'string', default: '300' },
    hardfork: { type: 'string', default: 'cancun' },
    'prune-history': { type: 'string', default: '512' },
    nodes: { type: 'string', default: '20' },
    fork: { type: 'boolean', default: false },
    state: { type: 'boolean', default: false },
  },
});
const tasks = parseIntegerFlag('tasks', values.tasks, 1);
const window = parseIntegerFlag('window', values.window, 1);
const nodes = parseIntegerFlag('nodes', values.nodes, 1);
// 0 = keep every state (anvil's default).
const pruneHistory = parseIntegerFlag('prune-history', values['prune-history'], 0);
const hardfork = values.hardfork === 'default' ? undefined : values.hardfork;
const stateDir = values.state ? mkdtempSync(join(tmpdir(), 'verinet-anvil-growth-')) : undefined;
const stateFile = stateDir === undefined ? undefined : join(stateDir, 'chain.json');

const anvilCpuMs = () =>
  (readProcessTreeCpu(process.pid, (_pid, commandLine) =>
    /anvil/.test(commandLine) ? 'anvil' : 'other',
  ).get('anvil') ?? 0) * 1000;
const stateFileMb = (path: string) => {
  try {
    return Math.round(statSync(path).size / 1e6);
  } catch {
    return 0;
  }
};
/** The resident memory of every anvil of the run (with `--fork`: the chain and its idle base), in MB. */
const anvilRssMb = () => {
  let kb = 0;
  for (const [pid] of readProcessTreeCpu(process.pid, (pid, commandLine) =>
    /anvil/.test(commandLine) ? String(pid) : '',
  )) {
    if (pid === '') continue;
    try {
      const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {}
  }
  return kb === 0 ? Number.NaN : Math.round(kb / 1024);
};

console.log(
  `bench:anvil-growth (${new Date().toISOString()}, ${tasks} tasks, ${nodes} nodes, --hardfork ${hardfork ?? '(anvil default)'}, --prune-history ${pruneHistory || 'off'}${values.fork ? ', forked from an idle anvil' : ''}${values.state ? ', --state file' : ''}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')})`,
);
let cpuBefore = 0;
let wallBefore = 0;
const ceiling = await measureChainCeiling({
  nodes,
  apps: nodes,
  tasks,
  gpu: { name: 'devnet-gpu', vramGib: 24 },
  llmArgs: {
    model: 'verinet/tiny-gpt2',
    messages: [{ role: 'user', content: 'Count to three.' }],
    generation_config: { max_new_tokens: 4 },
    seed: 0,
  },
  version: taskArgsVersions.llm,
  anvil: { hardfork, pruneHistory: pruneHistory || undefined, forkIdleBase: values.fork, stateFile },
  onTask: (done) => {
    if (done === 1) {
      cpuBefore = anvilCpuMs();
      wallBefore = performance.now();
      return;
    }
    if ((done - 1) % window !== 0) return;
    const cpu = anvilCpuMs();
    const wall = performance.now();
    console.log(
      `  tasks ${String(done - window).padStart(6)}–${String(done).padEnd(6)} anvil ${formatMs((cpu - cpuBefore) / window)} CPU/task, ${((window * 1000) / (wall - wallBefore)).toFixed(1)} tasks/s, RSS ${anvilRssMb()} MB${stateFile === undefined ? '' : `, state file ${stateFileMb(stateFile)} MB`}`,
    );
    cpuBefore = cpu;
    wallBefore = wall;
  },
});
console.log(
  `  all: ${ceiling.tasks} tasks, ${ceiling.transactions} transactions in ${ceiling.seconds.toFixed(1)} s = ${ceiling.tasksPerSecond.toFixed(2)} tasks/s (load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end)`,
);
if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
