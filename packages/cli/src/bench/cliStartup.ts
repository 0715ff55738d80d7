// `npm run bench:cli -- [--runs 7]`: start-up of the `verinet` command, the bundled launcher (bin/verinet: an
// esbuild bundle run by plain Node) against the same sources run through tsx (`node --import tsx src/bin.ts`, as
// the bin ran before), alternating runs in one process so both see the same load. Three commands: `--help`,
// `task list` (an empty store) and `task resume` of an unknown id against a stand-in devnet folder, which loads the
// SDK client and opens the store before it fails: the start-up every `task run` pays before its first step.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error('--runs must be 1…100');

const cliDir = resolve(fileURLToPath(import.meta.url), '../../..');
const launcher = join(cliDir, 'bin/verinet');
const source = join(cliDir, 'src/bin.ts');

const dir = mkdtempSync(join(tmpdir(), 'verinet-bench-cli-'));
// A devnet folder that reads as running (its pid is this process) with a chain nobody serves: `task resume`
// loads and opens everything, then finds no such task without a network call.
const devnet = join(dir, 'devnet');
const contract = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
mkdirSync(devnet);
for (const [name, json] of [
  [
    'deployment.json',
    {
      version: 1,
      chainId: 31337,
      startBlock: 0,
      deployer: contract(1),
      deployedAt: new Date(0).toISOString(),
      rpcUrl: 'http://127.0.0.1:9',
      contracts: {
        incentivePool: contract(2),
        nodeRegistry: contract(3),
        taskManager: contract(4),
        vrfVerifier: contract(5),
      },
    },
  ],
  [
    'network.json',
    {
      version: 1,
      running: true,
      pid: process.pid,
      chainId: 31337,
      rpcUrl: 'http://127.0.0.1:9',
      relayUrl: 'http://127.0.0.1:9',
      deploymentFile: join(devnet, 'deployment.json'),
      gpu: { name: 'Verinet Devnet GPU', vramGib: 16 },
      models: { dir: join(devnet, 'models'), tiny: true, ids: [], types: {} },
      nodes: [],
      app: { accountIndex: 1, address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' },
      services: {},
      registeredNodes: 0,
    },
  ],
] as const) {
  writeFileSync(join(devnet, name), JSON.stringify(json));
}

const cases: { name: string; args: string[]; status: number }[] = [
  { name: 'verinet --help', args: ['--help'], status: 0 },
  { name: 'verinet task list', args: ['task', 'list', '--devnet', devnet], status: 0 },
  {
    name: 'verinet task resume (SDK)',
    args: ['task', 'resume', 'nosuchtask', '--devnet', devnet],
    status: 1,
  },
];

function time(command: string, args: string[], expected: number): number {
  const started = performance.now();
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    cwd: cliDir,
    env: { ...process.env, DEBUG: '' },
  });
  const ms = performance.now() - started;
  if (result.status !== expected)
    throw new Error(`${command} ${args.join(' ')}: exit ${result.status}, ${result.stderr.slice(0, 300)}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

// One run first so that neither side pays a cold cache in the figures (tsx's transform cache, the bundle).
time(launcher, ['--version'], 0);
time(process.execPath, ['--import', 'tsx', source, '--version'], 0);
console.log(`bench:cli (${runs} alternating runs per command; load average at start ${load()})`);
for (const { name, args, status } of cases) {
  const tsx: number[] = [];
  const bundled: number[] = [];
  const ratios: number[] = [];
  for (let run = 0; run < runs; run++) {
    const a = time(process.execPath, ['--import', 'tsx', source, ...args], status);
    const b = time(launcher, args, status);
    tsx.push(a);
    bundled.push(b);
    ratios.push(a / b);
  }
  console.log(
    `  ${name.padEnd(27)} tsx ${seconds(median(tsx))} s (${seconds(Math.min(...tsx))}–${seconds(Math.max(...tsx))})` +
      `   bundled ${seconds(median(bundled))} s (${seconds(Math.min(...bundled))}–${seconds(Math.max(...bundled))})` +
      `   median ratio ${median(ratios).toFixed(2)}×`,
  );
}
console.log(`  load average at end ${load()}`);
rmSync(dir, { recursive: true, force: true });
