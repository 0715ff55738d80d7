/**
 * Relay throughput and latency over loopback HTTP, on both storage backends, against baselines measured in the
 * same run on the same disk. The relay runs in a process of its own (benchRelayServer.ts); this process is the
 * client (node:http, keep-alive), runs the baselines and drives anvil.
 * - result upload of 1 MB and 20 MB bodies, 1 and 4 in flight (--parallel): the PUT alone (streamed to storage,
 *   acknowledged unsynced: the commit is the barrier) and the whole result (PUT + commit, a new task each),
 *   vs a durable file write of the same bytes with as many in flight (write, fsync, rename, folder fsync: what
 *   any durable store must do at least), vs a plain file copy (no fsync; the ceiling: run 3 times per round,
 *   the relay compared with the median of all of them, their spread and swing printed, and each round's relay
 *   with that round's median copy), and vs a plain
 *   node:http server doing that durable write of the streamed body for the same client (bareFastifyServer.ts):
 *   relay / plain is what the relay's own work costs, plain / file write what HTTP and the client cost; and vs
 *   the lower bound of the PUT (that server appending the body to an open file: no hash, no fsync); the relay
 *   and that bound again with a raw client (createRawHttpClient.ts: head and body in one socket write) to tell
 *   the client's share;
 * - result download (GET by the creator once validated) vs a plain file copy of the stored file (read stream →
 *   write stream, what `cp` does, no fsync), and vs that plain node:http server streaming the same bytes;
 * - signed small requests (GET of a task's arguments by its node: EIP-712 check, replay claim, chain cache,
 *   storage read) per second, their latency and the relay's CPU time per request, sent by a raw-socket client
 *   (driveRawLoad.ts: requests serialized before the clock starts, so the client takes little of the 2 cores),
 *   vs the relay's unsigned GET /healthz and a bare Fastify route (bareFastifyServer.ts, same process count)
 *   in the same round;
 * - an image result (SD task, --image 4x512x512): the PNGs uploaded at once, then the commit that decodes them
 *   and recomputes their pHashes, vs a durable write of the same files;
 * - peak RSS of the relay process (kernel high-water mark) while 50 or 200 uploads of 1 or 8 MB run at once.
 *
 *   npm run bench:relay [-- --runs 5] [--backend sqlite|postgres] [--workers 2] [--only upload,image,small,memory]
 *                       [--sizes 1,20] [--parallel 1,4] [--image 4x512x512] [--small-count 2000]
 *                       [--connections 32] [--log-level warn] [--skip-whole] [--markdown]
 *   RELAY_BENCH_CPU_PROF=/tmp/prof npm run bench:relay -- --runs 1   (a CPU profile of the relay process)
 *   RELAY_BENCH_NODE_FLAGS='--trace-gc' npm run bench:relay -- …   (extra Node flags for the relay process)
 *   RELAY_BENCH_PHASE_PROF=/tmp/prof npm run bench:relay -- …   (one CPU profile of the relay per measured
 *                       upload/download loop, e.g. put-1MB-1.<pid>.cpuprofile: that loop's rounds alone)
 *
 * Every figure is the median of `runs` rounds with the min–max spread; --markdown writes docs/benchmarks/relay.md
 * with the date, run count and the machine's load, as printed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import {
  getRelayRequestDigest,
  hashRelayBody,
  type RelayDomain,
  type RelayRequestSigner,
  signRelayRequest,
} from '@verinet/protocol/relay';
import secp256k1 from 'secp256k1';
import { type Account, bytesToHex, type Hex, hexToBytes, type LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import {
  type ChainFixture,
  cancelQueued,
  createFixtureTask,
  type FixtureTask,
  llmArgs,
  prepareArgs,
  sdArgs,
  startChainFixture,
  submitScore,
  validateSingle,
} from '../test/chainFixture.js';
import { makeLlmResult, makePhotoLikePixels, makeSdResult } from '../test/resultFiles.js';
import type { BenchRelayServerOptions } from './benchRelayServer.js';
import { createRawHttpClient, type RawHttpClient } from './createRawHttpClient.js';
import { driveRawLoad, type RawRequest } from './driveRawLoad.js';

const argv = process.argv.slice(2);
const markdown = argv.includes('--markdown');
const option = (name: string) => {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
};
const runs = Number(option('--runs') ?? 5);
const onlyBackend = option('--backend');
/** Phases to run (comma-separated): upload (with its download), small, memory. All by default. */
const phases = new Set((option('--only') ?? 'upload,image,small,memory').split(','));
/** The image result of the `image` phase: `--image 4x512x512` (count × width × height). */
const imageResult = (() => {
  const [count, width, height] = (option('--image') ?? '4x512x512').split('x').map(Number);
  return { count: count ?? 4, width: width ?? 512, height: height ?? 512 };
})();
/** Relay processes (the relay's `workers` setting). */
const workers = Number(option('--workers') ?? 1);
const smallCount = Number(option('--small-count') ?? 2000);
const smallConnections = Number(option('--connections') ?? 32);
/** Upload/download sizes in MB (comma-separated): 1 and 20 by default. */
const sizes = (option('--sizes') ?? '1,20').split(',').map(Number);
/**
 * Uploads (or downloads) in flight at once, one figure each (comma-separated): 1 is one node's sequential
 * latency-bound stream, 4 what a relay serving several nodes sees; the baselines run with the same count.
 */
const inFlightCounts = (option('--parallel') ?? '1,4').split(',').map(Number);
/** --skip-whole: no whole-result (PUT + commit) rounds: the PUT and download figures alone (A/B runs, profiles). */
const skipWhole = argv.includes('--skip-whole');
const MB = 1024 * 1024;

/**
 * Signs relay requests with libsecp256k1 (the client's cost, not the relay's: thousands of requests are signed
 * before each round, and viem's pure-JavaScript signing would take longer than the round). The digest is the
 * protocol's own, so the relay checks these exactly as any client's.
 */
function createFastBenchSigner(privateKey: Hex): RelayRequestSigner {
  const key = hexToBytes(privateKey);
  return {
    address: privateKeyToAddress(privateKey),
    signTypedData: async ({ domain, message }) => {
      const digest = getRelayRequestDigest(domain as RelayDomain, message as never);
      const { signature, recid } = secp256k1.ecdsaSign(digest, key);
      return `${bytesToHex(signature)}${(27 + recid).toString(16)}` as Hex;
    },
  };
}

type Spread = { median: number; min: number; max: number };
const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  // An even count's median is the mean of the two middle rounds (not the upper one).
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
};
/** The 1-minute load average now, printed with every figure (the machine is shared). */
const loadNow = () => `load ${(loadavg()[0] ?? 0).toFixed(1)}`;
const fmt = (s: Spread, digits = 0) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const pct = (a: Spread, b: Spread) => `${((a.median / b.median) * 100).toFixed(0)} %`;

/** A chat result.json as the worker writes it, of about `size` bytes, and its score. */
async function makeResultJson(size: number): Promise<{ bytes: Uint8Array; score: Hex }> {
  const overhead = (await makeLlmResult('')).bytes.length;
  return makeLlmResult('a'.repeat(Math.max(0, size - overhead)));
}

async function durableWrite(dir: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dir, `tmp-${randomBytes(8).toString('hex')}`);
  const handle = await open(tmp, 'w');
  try {
    await handle.write(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, 'baseline.bin'));
  const folder = await open(dir, 'r');
  await folder.sync();
  await folder.close();
}

/** A plain file copy (read stream → write stream, as `cp`; no fsync); `slot` keeps parallel copies apart. */
async function fileCopy(dir: string, slot = 0): Promise<void> {
  await pipeline(
    createReadStream(join(dir, 'baseline.bin'), { highWaterMark: MB }),
    createWriteStream(join(dir, `copy-${slot % 64}.bin`)),
  );
}

/** Runs `count` jobs with at most `limit` in flight (each slot takes the next job when its last one ends). */
async function inFlight(
  limit: number,
  count: number,
  job: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const slot = async () => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, slot));
}

const cpuMillis = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

type Rates = Record<
  | 'relay'
  | 'plain'
  | 'baseline'
  | 'copy'
  | 'cpu'
  | 'system'
  | 'client'
  | 'append'
  | 'relayRaw'
  | 'appendRaw'
  | 'cpuRaw'
  | 'clientRaw'
  | 'cpuBound',
  number[]
>;
/** Upload-only figures (the plain append bound and the raw client's rounds). */
const uploadOnly = ['append', 'relayRaw', 'appendRaw', 'cpuRaw', 'clientRaw', 'cpuBound'] as const;
const newRates = (): Rates => ({
  relay: [],
  plain: [],
  baseline: [],
  copy: [],
  cpu: [],
  system: [],
  client: [],
  append: [],
  relayRaw: [],
  appendRaw: [],
  cpuRaw: [],
  clientRaw: [],
  cpuBound: [],
});
/** One measured round's figures into the rate lists. */
const pushRound = (
  rates: Rates,
  round: Omit<Record<keyof Rates, number>, (typeof uploadOnly)[number]> &
    Partial<Record<(typeof uploadOnly)[number], number>>,
) => {
  for (const name of Object.keys(rates) as (keyof Rates)[]) {
    const value = round[name];
    if (value !== undefined) rates[name].push(value);
  }
};
/**
 * The plain file copy (the ceiling) runs this many times per upload round: before the relay's PUTs, between the
 * baselines and after the raw client's rounds. On this shared 2-core machine one copy of 16 MB moved 363–816 MB/s
 * between runs of one command (session 12), so the ratio is taken against the median of all of a loop's copies,
 * and their spread is printed with it.
 */
const copiesPerRound = 3;
/** (max − min) / median of the copies, in %: how far the ceiling itself swung within one loop. */
const swing = (s: Spread) => (((s.max - s.min) / s.median) * 100).toFixed(0);
type TransferFigures = {
  relay: Spread;
  plain: Spread;
  /** Upload: the durable file write; download: the plain file copy. */
  baseline: Spread;
  copy: Spread;
  cpuPerMB: Spread;
  systemPerMB: Spread;
  clientPerMB: Spread;
  /**
   * Upload only: the plain node:http server appending the body to an open file (no hash, no fsync: the bound of
   * the relay's staged PUT) with the node:http client; the relay and that bound again with the raw client
   * (createRawHttpClient.ts: head and body in one socket write), and the relay's and the client's CPU per MB then.
   */
  append?: Spread | undefined;
  relayRaw?: Spread | undefined;
  appendRaw?: Spread | undefined;
  cpuRawPerMB?: Spread | undefined;
  clientRawPerMB?: Spread | undefined;
  /** Upload only: each round's relay rate over the median of that round's copies (%). */
  roundRatios?: Spread | undefined;
  /** The bound's server CPU per MB (raw client rounds): what receiving the body costs node:http alone. */
  cpuBoundPerMB?: Spread | undefined;
  /** Upload only: whole results (PUT + commit, a new task each) in MB/s, and the median ms per task. */
  whole?: { rate: Spread; msPerTask: Spread; cpuMsPerTask: Spread; tasks: number } | undefined;
};
const summarize = (r: Rates): TransferFigures => ({
  relay: spread(r.relay),
  plain: spread(r.plain),
  baseline: spread(r.baseline),
  copy: spread(r.copy),
  cpuPerMB: spread(r.cpu),
  systemPerMB: spread(r.system),
  clientPerMB: spread(r.client),
  ...(r.append.length > 0
    ? {
        append: spread(r.append),
        relayRaw: spread(r.relayRaw),
        appendRaw: spread(r.appendRaw),
        cpuRawPerMB: spread(r.cpuRaw),
        clientRawPerMB: spread(r.clientRaw),
        cpuBoundPerMB: spread(r.cpuBound),
      }
    : {}),
});

/** The relay process and the IPC calls of benchRelayServer.ts. */
type Server = {
  base: URL;
  domain: RelayDomain;
  /** The baseline process's plain node:http file server (bareFastifyServer.ts). */
  plainBase: URL | undefined;
  call: <T>(
    type: 'cpu' | 'peakStart' | 'peakStop' | 'profileStart' | 'profileStop',
    extra?: Record<string, unknown>,
  ) => Promise<T>;
  stop: () => Promise<void>;
};

async function startServer(script: string, options: unknown): Promise<Server> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const child: ChildProcess = fork(file, [JSON.stringify(options)], {
    // RELAY_BENCH_CPU_PROF=<dir>: a V8 CPU profile of the relay process (where its time goes), written on stop.
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      // RELAY_BENCH_NODE_FLAGS="--trace-gc …": extra Node/V8 flags for the relay process (A/B of runtime flags).
      ...(process.env.RELAY_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      ...(process.env.RELAY_BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RELAY_BENCH_CPU_PROF}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters = new Map<string, (value: unknown) => void>();
  type Listening = { url: string; domain: RelayDomain; plainUrl?: string };
  const ready = new Promise<Listening>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench relay exited with ${code}`)));
    child.on('message', (message: { type: string } & Partial<Listening>) => {
      if (message.type === 'listening') resolve(message as Listening);
      else waiters.get(message.type)?.(message);
    });
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const { url, domain, plainUrl } = await ready;
  clearTimeout(timeout);
  return {
    base: new URL(url),
    domain,
    plainBase: plainUrl ? new URL(plainUrl) : undefined,
    call: (type, extra = {}) =>
      new Promise((resolve) => {
        waiters.set(type, resolve as (value: unknown) => void);
        child.send({ ...extra, type });
      }),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

type Signed = Record<string, string>;

async function sign(
  domain: RelayDomain,
  account: Account | RelayRequestSigner,
  method: string,
  path: string,
  bodyHash?: Hex,
): Promise<Signed> {
  return (await signRelayRequest({
    signer: account as LocalAccount,
    domain,
    method,
    path,
    ...(bodyHash ? { bodyHash } : {}),
  })) as Signed;
}

/** One HTTP request; the answer's body is counted (and kept only when `keep`). */
function send(
  agent: http.Agent,
  base: URL,
  method: string,
  path: string,
  headers: Signed,
  body?: Uint8Array,
  keep = false,
): Promise<{ status: number; size: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path,
        agent,
        headers: {
          ...(body
            ? { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }
            : {}),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (keep || (response.statusCode ?? 0) >= 300) chunks.push(chunk);
        });
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks);
          if (status >= 300)
            reject(new Error(`${method} ${path}: ${status} ${text.toString('utf8').slice(0, 300)}`));
          else resolve({ status, size, body: text });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    // A view of the caller's buffer: no copy per request on the client side.
    request.end(body ? Buffer.from(body.buffer, body.byteOffset, body.length) : undefined);
  });
}

type BackendFigures = {
  backend: string;
  upload: Record<string, TransferFigures>;
  download: Record<string, TransferFigures>;
  small?: {
    signed: Spread;
    healthz: Spread;
    bare: Spread;
    p50: Spread;
    p99: Spread;
    signedCpu: Spread;
    /** The bench client's CPU per signed request (µs) and 2e6 / (relay + client µs). */
    clientCpu: Spread;
    twoCoreRate: Spread;
    healthzCpu: Spread;
    bareCpu: Spread;
    load: Spread;
  };
  memory: { label: string; peakDelta: Spread; failed: number }[];
  image?: {
    label: string;
    upload: Spread;
    total: Spread;
    baseline: Spread;
    uploadMs: Spread;
    commitMs: Spread;
    cpuMs: Spread;
    /** The longest /healthz answer during the commit: how long the event loop stalled. */
    stallMs: Spread;
  };
};

async function benchBackend(
  fixture: ChainFixture,
  backend: string,
  storage: NonNullable<BenchRelayServerOptions['config']['storage']>,
): Promise<BackendFigures> {
  const serverOptions: BenchRelayServerOptions = {
    relayKey: generatePrivateKey(),
    config: {
      workers,
      rpcUrl: fixture.anvil.rpcUrl,
      // --log-level warn: the relay's own account of a failed request (a 500 says nothing about internals).
      logLevel: (option('--log-level') ?? 'silent') as 'silent',
      storage,
      // Requests are signed before a round starts (signing is the client's cost): on a loaded machine a round
      // can outlast the default 60 s validity window.
      auth: { maxAgeSeconds: 3600 },
      limits: { requestsPerMinute: 100_000_000, resultFileBytes: 64 * MB },
      // The production default: task states cached for a second.
      chain: { cacheMs: 1000 },
    },
    chainId: fixture.deployment.chainId,
    taskManager: fixture.deployment.contracts.taskManager,
    nodeRegistry: fixture.deployment.contracts.nodeRegistry,
    startBlock: String(fixture.deployment.startBlock),
  };
  const server = await startServer('./benchRelayServer.ts', serverOptions);
  const baselineDir = await mkdtemp(join(tmpdir(), 'relay-bench-baseline-'));
  const bare = await startServer('./bareFastifyServer.ts', { workers, root: baselineDir });
  const { base, domain } = server;
  const plainBase = bare.plainBase!;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const rawRelay = createRawHttpClient(base.hostname, Number(base.port));
  const rawPlain = createRawHttpClient(plainBase.hostname, Number(plainBase.port));
  const rawPut = async (client: RawHttpClient, path: string, headers: Signed, body: Uint8Array) => {
    const answer = await client.request(
      'PUT',
      path,
      { 'content-type': 'application/octet-stream', ...headers },
      body,
    );
    if (answer.status >= 300)
      throw new Error(`PUT ${path}: ${answer.status} ${answer.body.toString('utf8').slice(0, 300)}`);
  };
  type CpuTime = { micros: number; systemMicros: number };
  const cpu = () => server.call<CpuTime>('cpu');
  // RELAY_BENCH_PHASE_PROF=<dir>: the relay profiles one measured loop (its rounds after the warm-up) alone.
  const profileDir = process.env.RELAY_BENCH_PHASE_PROF;
  const profileStart = async (round: number) => {
    if (profileDir && round === 1) await server.call('profileStart');
  };
  const profileStop = async (name: string) => {
    if (profileDir) await server.call('profileStop', { dir: profileDir, name });
  };
  /** CPU milliseconds per MB since `since`: [user + system, system]. */
  const cpuPerMegabyte = async (since: CpuTime, megabytes: number): Promise<[number, number]> => {
    const now = await cpu();
    return [
      (now.micros - since.micros) / 1000 / megabytes,
      (now.systemMicros - since.systemMicros) / 1000 / megabytes,
    ];
  };
  const app = fixture.actors.app.account;
  const newTask = async (taskType: 'llm' | 'sd' = 'llm', args: unknown = llmArgs()) => {
    const task = await createFixtureTask(fixture, { taskType, prepared: prepareArgs(taskType, args) });
    const path = `/v1/args/${task.argsCommitment}?salt=${task.salt}&taskType=${task.taskType}`;
    await send(
      agent,
      base,
      'PUT',
      path,
      await sign(domain, app, 'PUT', path, hashRelayBody(task.bytes)),
      task.bytes,
    );
    return task;
  };
  // A task whose draw met a busy node is queued (no node to upload for): cancelled (a queued task would take the
  // next node a report frees), and another one is created.
  const newStartedTask = async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const t = await newTask();
      if (t.nodeActor) return t;
      await cancelQueued(fixture, t);
    }
    throw new Error('20 tasks in a row were queued: the fixture has no free node');
  };
  const figures: BackendFigures = { backend, upload: {}, download: {}, memory: [] };
  try {
    for (const [mb, parallel] of phases.has('upload')
      ? sizes.flatMap((mb) => inFlightCounts.map((n) => [mb, n] as const))
      : []) {
      const size = mb * MB;
      const label = `${mb} MB, ${parallel} in flight`;
      // Enough requests per round for each in-flight slot to carry several (a round of 16 MB at least).
      const perRound = Math.max(3 * parallel, Math.round(16 / mb));
      const task: FixtureTask = await newTask();
      const node = task.nodeActor!.account;
      const { bytes: body, score } = await makeResultJson(size);
      const bodyHash = hashRelayBody(body);
      const path = `/v1/tasks/${task.taskKey}/result/files/result.json`;
      const commitBody = new TextEncoder().encode(JSON.stringify({ score }));
      const up = newRates();
      /** Each round's relay PUT rate over the median of that round's copies (%). */
      const roundRatios: number[] = [];
      const megabytes = (perRound * body.length) / MB;
      // The file the copies read (the durable write rewrites it in every round).
      await durableWrite(baselineDir, body);
      for (let round = 0; round < runs + 1; round++) {
        const signed: Signed[] = [];
        // Twice as many: the raw client's relay round needs fresh ones (a signed request is used once).
        for (let i = 0; i < 2 * perRound; i++) signed.push(await sign(domain, node, 'PUT', path, bodyHash));
        const copies: number[] = [];
        const timeCopy = async () => {
          const begun = performance.now();
          await inFlight(parallel, perRound, (i) => fileCopy(baselineDir, i));
          copies.push(megabytes / ((performance.now() - begun) / 1000));
        };
        await timeCopy();
        await profileStart(round);
        const cpu0 = await cpu();
        const client0 = process.cpuUsage();
        let start = performance.now();
        await inFlight(parallel, perRound, (i) => send(agent, base, 'PUT', path, signed[i]!, body));
        const relaySeconds = (performance.now() - start) / 1000;
        const clientMs = cpuMillis(process.cpuUsage(client0)) / megabytes;
        const [cpuMs, systemMs] = await cpuPerMegabyte(cpu0, megabytes);
        start = performance.now();
        await inFlight(parallel, perRound, () => durableWrite(baselineDir, body));
        const baseSeconds = (performance.now() - start) / 1000;
        await timeCopy();
        start = performance.now();
        await inFlight(parallel, perRound, () => send(agent, plainBase, 'PUT', '/files/plain.bin', {}, body));
        const plainSeconds = (performance.now() - start) / 1000;
        start = performance.now();
        await inFlight(parallel, perRound, () =>
          send(agent, plainBase, 'PUT', '/append/append.bin', {}, body),
        );
        const appendSeconds = (performance.now() - start) / 1000;
        // The same relay PUTs and the same bound with the raw client.
        const rawCpu0 = await cpu();
        const rawClient0 = process.cpuUsage();
        start = performance.now();
        await inFlight(parallel, perRound, (i) => rawPut(rawRelay, path, signed[perRound + i]!, body));
        const relayRawSeconds = (performance.now() - start) / 1000;
        const clientRawMs = cpuMillis(process.cpuUsage(rawClient0)) / megabytes;
        const [cpuRawMs] = await cpuPerMegabyte(rawCpu0, megabytes);
        const boundCpu0 = await bare.call<CpuTime>('cpu');
        start = performance.now();
        await inFlight(parallel, perRound, () => rawPut(rawPlain, '/append/append.bin', {}, body));
        const appendRawSeconds = (performance.now() - start) / 1000;
        const boundCpuMs = ((await bare.call<CpuTime>('cpu')).micros - boundCpu0.micros) / 1000 / megabytes;
        while (copies.length < copiesPerRound) await timeCopy();
        if (round === 0) continue; // warm-up
        up.copy.push(...copies.slice(1));
        roundRatios.push((megabytes / relaySeconds / spread(copies).median) * 100);
        pushRound(up, {
          relay: megabytes / relaySeconds,
          plain: megabytes / plainSeconds,
          baseline: megabytes / baseSeconds,
          copy: copies[0]!,
          cpu: cpuMs,
          system: systemMs,
          client: clientMs,
          append: megabytes / appendSeconds,
          relayRaw: megabytes / relayRawSeconds,
          appendRaw: megabytes / appendRawSeconds,
          cpuRaw: cpuRawMs,
          clientRaw: clientRawMs,
          cpuBound: boundCpuMs,
        });
      }
      await profileStop(`put-${mb}MB-${parallel}`);
      // The PUT task is committed and reported now: its seed block must stay within the chain's last 256 blocks,
      // and the whole-result rounds below mine hundreds (at --runs 5, 4 in flight, submitScore failed with
      // SeedUnavailable). It is validated and downloaded after them.
      const commitPath = `/v1/tasks/${task.taskKey}/result/commit`;
      const committed = await send(
        agent,
        base,
        'POST',
        commitPath,
        {
          ...(await sign(domain, node, 'POST', commitPath, hashRelayBody(commitBody))),
          'content-type': 'application/json',
        },
        commitBody,
      ).catch((error: Error) => error);
      if (committed instanceof Error) throw committed;
      await submitScore(fixture, task, score);
      // The whole result upload, as a node does it: the PUT, then the commit (the relay reads the file back,
      // checks it, makes it durable: the barrier, commits its rows and signs). A new task each, `parallel` in
      // flight; the PUT figure above alone is not what a node waits for.
      const wholeCount = Math.max(3 * parallel, Math.round(8 / mb));
      const wholeRates: number[] = [];
      const wholeMs: number[] = [];
      const wholeCpuMs: number[] = [];
      for (let round = 0; round < (skipWhole ? 0 : runs + 1); round++) {
        const jobs: { task: FixtureTask; put: Signed; commit: Signed }[] = [];
        for (let i = 0; i < wholeCount; i++) {
          const t = await newStartedTask();
          const putPath = `/v1/tasks/${t.taskKey}/result/files/result.json`;
          const commitPath = `/v1/tasks/${t.taskKey}/result/commit`;
          jobs.push({
            task: t,
            put: await sign(domain, t.nodeActor!.account, 'PUT', putPath, bodyHash),
            commit: {
              ...(await sign(domain, t.nodeActor!.account, 'POST', commitPath, hashRelayBody(commitBody))),
              'content-type': 'application/json',
            },
          });
        }
        const perTask: number[] = [];
        await profileStart(round);
        const wholeCpu0 = await cpu();
        const start = performance.now();
        await inFlight(parallel, wholeCount, async (i) => {
          const job = jobs[i]!;
          const begun = performance.now();
          await send(
            agent,
            base,
            'PUT',
            `/v1/tasks/${job.task.taskKey}/result/files/result.json`,
            job.put,
            body,
          );
          await send(
            agent,
            base,
            'POST',
            `/v1/tasks/${job.task.taskKey}/result/commit`,
            job.commit,
            commitBody,
          );
          perTask.push(performance.now() - begun);
        });
        const seconds = (performance.now() - start) / 1000;
        const cpuPerTask = ((await cpu()).micros - wholeCpu0.micros) / 1000 / wholeCount;
        // Reported on chain so that their nodes are free for the next tasks (not timed).
        for (const job of jobs) await submitScore(fixture, job.task, score);
        if (round === 0) continue;
        wholeRates.push((wholeCount * body.length) / MB / seconds);
        wholeMs.push(spread(perTask).median);
        wholeCpuMs.push(cpuPerTask);
      }
      await profileStop(`whole-${mb}MB-${parallel}`);
      const upload = summarize(up);
      if (!skipWhole)
        upload.whole = {
          rate: spread(wholeRates),
          msPerTask: spread(wholeMs),
          cpuMsPerTask: spread(wholeCpuMs),
          tasks: wholeCount,
        };
      figures.upload[label] = upload;
      if (upload.whole)
        console.log(
          `${backend} upload ${label}: PUT + commit per task (${wholeCount} tasks per round) ${fmt(upload.whole.rate)} MB/s, ${fmt(upload.whole.msPerTask, 1)} ms per task, relay CPU ${fmt(upload.whole.cpuMsPerTask, 1)} ms per task (whole / durable write ${pct(upload.whole.rate, upload.baseline)}, whole / copy ${pct(upload.whole.rate, upload.copy)}); ${loadNow()}`,
        );
      upload.roundRatios = spread(roundRatios);
      console.log(
        `${backend} upload ${label}: PUT only: relay ${fmt(upload.relay)} MB/s; durable file write ${fmt(upload.baseline)} MB/s (relay / durable ${pct(upload.relay, upload.baseline)}); plain file copy (the ceiling, ${up.copy.length} copies: ${copiesPerRound} per round) ${fmt(upload.copy)} MB/s, swing ${swing(upload.copy)} % (relay / median copy ${pct(upload.relay, upload.copy)}; per round, relay / that round's median copy ${fmt(upload.roundRatios)} %); plain node:http durable PUT ${fmt(upload.plain)} MB/s (relay / plain ${pct(upload.relay, upload.plain)}); relay CPU ${fmt(upload.cpuPerMB, 1)} ms/MB (system ${fmt(upload.systemPerMB, 1)}), client CPU ${fmt(upload.clientPerMB, 1)} ms/MB; ${loadNow()}`,
      );
      if (upload.append && upload.relayRaw && upload.appendRaw && upload.cpuRawPerMB && upload.clientRawPerMB)
        console.log(
          `${backend} upload ${label}: bound (plain node:http server appending the body to an open file, no hash, no fsync) ${fmt(upload.append)} MB/s (bound / copy ${pct(upload.append, upload.copy)}, relay / bound ${pct(upload.relay, upload.append)}); raw client (one socket write per request): relay ${fmt(upload.relayRaw)} MB/s (relay / copy ${pct(upload.relayRaw, upload.copy)}), bound ${fmt(upload.appendRaw)} MB/s (bound / copy ${pct(upload.appendRaw, upload.copy)}, relay / bound ${pct(upload.relayRaw, upload.appendRaw)}); relay CPU ${fmt(upload.cpuRawPerMB, 1)} ms/MB, bound server CPU ${fmt(upload.cpuBoundPerMB ?? upload.cpuRawPerMB, 1)} ms/MB, raw client CPU ${fmt(upload.clientRawPerMB, 1)} ms/MB; ${loadNow()}`,
        );

      await validateSingle(fixture, task);
      const down = newRates();
      await durableWrite(baselineDir, body);
      for (let round = 0; round < runs + 1; round++) {
        const signed: Signed[] = [];
        for (let i = 0; i < perRound; i++) signed.push(await sign(domain, app, 'GET', path));
        await profileStart(round);
        const cpu0 = await cpu();
        const client0 = process.cpuUsage();
        let start = performance.now();
        await inFlight(parallel, perRound, async (i) => {
          const got = await send(agent, base, 'GET', path, signed[i]!);
          if (got.size !== body.length) throw new Error('short download');
        });
        const relaySeconds = (performance.now() - start) / 1000;
        const clientMs = cpuMillis(process.cpuUsage(client0)) / megabytes;
        const [cpuMs, systemMs] = await cpuPerMegabyte(cpu0, megabytes);
        start = performance.now();
        await inFlight(parallel, perRound, (i) => fileCopy(baselineDir, i));
        const baseSeconds = (performance.now() - start) / 1000;
        start = performance.now();
        await inFlight(parallel, perRound, async () => {
          const got = await send(agent, plainBase, 'GET', '/files/baseline.bin', {});
          if (got.size !== body.length) throw new Error('short plain download');
        });
        const plainSeconds = (performance.now() - start) / 1000;
        if (round === 0) continue;
        // The download's baseline is the file copy itself.
        pushRound(down, {
          relay: megabytes / relaySeconds,
          plain: megabytes / plainSeconds,
          baseline: megabytes / baseSeconds,
          copy: megabytes / baseSeconds,
          cpu: cpuMs,
          system: systemMs,
          client: clientMs,
        });
      }
      await profileStop(`get-${mb}MB-${parallel}`);
      const download = summarize(down);
      figures.download[label] = download;
      console.log(
        `${backend} download ${label}: relay ${fmt(download.relay)} MB/s, file copy ${fmt(download.baseline)} MB/s, ratio ${pct(download.relay, download.baseline)}; plain node:http static file server ${fmt(download.plain)} MB/s (relay / plain ${pct(download.relay, download.plain)}); relay CPU ${fmt(download.cpuPerMB, 1)} ms/MB (system ${fmt(download.systemPerMB, 1)}), client CPU ${fmt(download.clientPerMB, 1)} ms/MB; ${loadNow()}`,
      );
    }

    // Image results: the node uploads its PNGs (all in flight at once, as the node does) and commits them; the
    // commit decodes every PNG and recomputes its pHash (the relay's check of the claimed score).
    if (phases.has('image')) {
      const { count, width, height } = imageResult;
      const result = await makeSdResult(width, height, count, 11, makePhotoLikePixels);
      const bytes = result.files.reduce((n, f) => n + f.bytes.length, 0);
      const megabytes = bytes / MB;
      const rates = { upload: [] as number[], baseline: [] as number[], total: [] as number[] };
      const millis = {
        upload: [] as number[],
        commit: [] as number[],
        cpu: [] as number[],
        stall: [] as number[],
      };
      for (let round = 0; round < runs + 1; round++) {
        const task = await newTask(
          'sd',
          sdArgs({ num_images: count, image_width: width, image_height: height }),
        );
        const node = task.nodeActor!.account;
        const uploads: { path: string; body: Uint8Array; headers: Signed }[] = [];
        for (const file of result.files) {
          const path = `/v1/tasks/${task.taskKey}/result/files/${file.name}`;
          uploads.push({
            path,
            body: file.bytes,
            headers: await sign(domain, node, 'PUT', path, hashRelayBody(file.bytes)),
          });
        }
        const commitPath = `/v1/tasks/${task.taskKey}/result/commit`;
        const commitBody = new TextEncoder().encode(JSON.stringify({ score: result.score }));
        const commitHeaders = {
          ...(await sign(domain, node, 'POST', commitPath, hashRelayBody(commitBody))),
          'content-type': 'application/json',
        };
        const cpu0 = await cpu();
        const start = performance.now();
        await inFlight(count, count, (i) =>
          send(agent, base, 'PUT', uploads[i]!.path, uploads[i]!.headers, uploads[i]!.body),
        );
        const uploaded = performance.now();
        // While the commit decodes and hashes, /healthz is asked in a loop: its longest answer is how long the
        // relay's event loop stalled (every other request would have waited as long).
        let probing = true;
        let stallMs = 0;
        const probe = (async () => {
          const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
          while (probing) {
            const asked = performance.now();
            await send(probeAgent, base, 'GET', '/healthz', {});
            stallMs = Math.max(stallMs, performance.now() - asked);
          }
          probeAgent.destroy();
        })();
        await send(agent, base, 'POST', commitPath, commitHeaders, commitBody);
        const committed = performance.now();
        probing = false;
        await probe;
        const cpuMs = ((await cpu()).micros - cpu0.micros) / 1000;
        const baseStart = performance.now();
        await inFlight(count, count, (i) => durableWrite(baselineDir, result.files[i]!.bytes));
        const baseSeconds = (performance.now() - baseStart) / 1000;
        if (round === 0) continue;
        const uploadMs = uploaded - start;
        millis.upload.push(uploadMs);
        millis.commit.push(committed - uploaded);
        millis.stall.push(stallMs);
        millis.cpu.push(cpuMs);
        rates.upload.push(megabytes / (uploadMs / 1000));
        rates.total.push(megabytes / (uploadMs / 1000 + (committed - uploaded) / 1000));
        rates.baseline.push(megabytes / baseSeconds);
      }
      const label = `${count} × ${width}×${height} PNG (${megabytes.toFixed(2)} MB)`;
      figures.image = {
        label,
        upload: spread(rates.upload),
        total: spread(rates.total),
        baseline: spread(rates.baseline),
        uploadMs: spread(millis.upload),
        commitMs: spread(millis.commit),
        cpuMs: spread(millis.cpu),
        stallMs: spread(millis.stall),
      };
      const f = figures.image;
      console.log(
        `${backend} image result ${label}: upload ${fmt(f.upload)} MB/s (${fmt(f.uploadMs, 1)} ms), commit with PNG decode + pHash ${fmt(f.commitMs, 1)} ms (longest /healthz answer meanwhile ${fmt(f.stallMs, 1)} ms), upload + commit ${fmt(f.total)} MB/s; durable file write of the same files ${fmt(f.baseline)} MB/s (upload / durable ${pct(f.upload, f.baseline)}, upload + commit / durable ${pct(f.total, f.baseline)}); relay CPU ${fmt(f.cpuMs, 1)} ms per result; ${loadNow()}`,
      );
    }

    // Small signed requests: the node fetching its task's arguments, `connections` in flight, sent by the raw
    // client (driveRawLoad.ts), against the relay's /healthz and a bare Fastify route in the same round.
    if (phases.has('small')) {
      const live = await newTask();
      const nodeActor = live.nodeActor!;
      const argsPath = `/v1/tasks/${live.taskKey}/args`;
      const signer = createFastBenchSigner(nodeActor.privateKey);
      const rates = { signed: [] as number[], healthz: [] as number[], bare: [] as number[] };
      const cpus_ = { signed: [] as number[], healthz: [] as number[], bare: [] as number[] };
      const p50s: number[] = [];
      const clientCpus: number[] = [];
      const twoCore: number[] = [];
      const p99s: number[] = [];
      const loads: number[] = [];
      const drive = async (target: Server, requests: RawRequest[]) => {
        const cpu0 = await target.call<{ micros: number }>('cpu');
        const client0 = process.cpuUsage();
        const result = await driveRawLoad({
          host: target.base.hostname,
          port: Number(target.base.port),
          requests,
          connections: smallConnections,
        });
        const clientMicros = process.cpuUsage(client0);
        const cpuMicros = (await target.call<{ micros: number }>('cpu')).micros - cpu0.micros;
        const ok = result.statuses.get(200) ?? 0;
        if (ok !== requests.length)
          throw new Error(
            `${requests[0]?.path}: only ${ok} of ${requests.length} answered 200 (${[...result.statuses].map(([s, n]) => `${n}×${s}`).join(', ')})`,
          );
        const { latencies } = result;
        return {
          rate: requests.length / result.seconds,
          cpuPerRequest: cpuMicros / requests.length,
          clientPerRequest: (clientMicros.user + clientMicros.system) / requests.length,
          p50: latencies[latencies.length >> 1]!,
          p99: latencies[Math.floor(latencies.length * 0.99)]!,
        };
      };
      for (let round = 0; round < runs + 1; round++) {
        const signed: RawRequest[] = [];
        for (let i = 0; i < smallCount; i++)
          signed.push({
            method: 'GET',
            path: argsPath,
            headers: await sign(domain, signer, 'GET', argsPath),
          });
        const unsigned = (path: string) =>
          Array.from({ length: smallCount }, () => ({ method: 'GET', path, headers: {} }));
        loads.push(loadavg()[0] ?? 0);
        const small = await drive(server, signed);
        const health = await drive(server, unsigned('/healthz'));
        const bareRound = await drive(bare, unsigned('/bare'));
        if (round === 0) continue;
        rates.signed.push(small.rate);
        rates.healthz.push(health.rate);
        rates.bare.push(bareRound.rate);
        cpus_.signed.push(small.cpuPerRequest);
        clientCpus.push(small.clientPerRequest);
        // What 2 cores would serve if relay and client had them to themselves: 2 s of CPU per second over the
        // CPU both spend per request (the client shares this machine; a real client runs elsewhere).
        twoCore.push(2e6 / (small.cpuPerRequest + small.clientPerRequest));
        cpus_.healthz.push(health.cpuPerRequest);
        cpus_.bare.push(bareRound.cpuPerRequest);
        p50s.push(small.p50);
        p99s.push(small.p99);
      }
      figures.small = {
        signed: spread(rates.signed),
        healthz: spread(rates.healthz),
        bare: spread(rates.bare),
        p50: spread(p50s),
        p99: spread(p99s),
        signedCpu: spread(cpus_.signed),
        clientCpu: spread(clientCpus),
        twoCoreRate: spread(twoCore),
        healthzCpu: spread(cpus_.healthz),
        bareCpu: spread(cpus_.bare),
        load: spread(loads.slice(1)),
      };
      const s = figures.small;
      console.log(
        `${backend} signed small GET (${workers} relay process${workers > 1 ? 'es' : ''}, ${smallConnections} connections, ${smallCount} per round): ${fmt(s.signed)} req/s (p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms), relay CPU ${fmt(s.signedCpu)} µs/request, client CPU ${fmt(s.clientCpu)} µs/request (relay + client on 2 cores: ${fmt(s.twoCoreRate)} req/s); /healthz ${fmt(s.healthz)} req/s (${fmt(s.healthzCpu)} µs); bare Fastify route ${fmt(s.bare)} req/s (${fmt(s.bareCpu)} µs); signed / bare ${pct(s.signed, s.bare)}; load ${fmt(s.load, 1)}`,
      );
    }
    // Peak RSS of the relay while N uploads of S bytes run at once.
    for (const [label, n, size] of phases.has('memory')
      ? ([
          ['50 × 1 MB', 50, MB],
          ['200 × 1 MB', 200, MB],
          ['50 × 8 MB', 50, 8 * MB],
        ] as const)
      : []) {
      const task = await newTask();
      const taskNode = task.nodeActor!.account;
      const { bytes: body } = await makeResultJson(size);
      const bodyHash = hashRelayBody(body);
      const path = `/v1/tasks/${task.taskKey}/result/files/result.json`;
      const deltas: number[] = [];
      let failedTotal = 0;
      for (let round = 0; round < runs; round++) {
        const signed: Signed[] = [];
        for (let i = 0; i < n; i++) signed.push(await sign(domain, taskNode, 'PUT', path, bodyHash));
        const { rss: before } = await server.call<{ rss: number }>('peakStart');
        // A refused upload (e.g. cut by the relay's request timeout on a starved machine) is counted and
        // printed, not fatal: the memory figure is still the peak while the others ran.
        const outcomes = await Promise.allSettled(
          signed.map((headers) => send(agent, base, 'PUT', path, headers, body)),
        );
        const { peak } = await server.call<{ peak: number }>('peakStop');
        const failed = outcomes.filter((o) => o.status === 'rejected');
        failedTotal += failed.length;
        if (failed.length > 0)
          console.log(
            `${backend} ${label}: ${failed.length} of ${n} uploads failed, first: ${String((failed[0] as PromiseRejectedResult).reason).slice(0, 200)}`,
          );
        deltas.push((peak - before) / MB);
      }
      figures.memory.push({ label, peakDelta: spread(deltas), failed: failedTotal });
      console.log(
        `${backend} relay peak RSS growth, ${label} concurrent uploads: ${fmt(spread(deltas))} MB; ${loadNow()}`,
      );
    }
  } finally {
    agent.destroy();
    rawRelay.close();
    rawPlain.close();
    await server.stop();
    await bare.stop();
    await rm(baselineDir, { recursive: true, force: true });
  }
  return figures;
}

/** s3rver in its own process (s3rverProcess.ts), as an object store is: not in the client's event loop. */
async function startS3Process(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const child = fork(fileURLToPath(new URL('./s3rverProcess.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error('s3rver did not start in 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    child.on('message', (message: { type: string; endpoint?: string }) => {
      if (message.type !== 'listening') return;
      clearTimeout(timeout);
      resolve(message.endpoint!);
    });
  });
  return {
    endpoint,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

const load = loadavg()[0] ?? 0;
const header = `relay bench: ${runs} rounds per figure (after one warm-up round), Node ${process.version}, ${cpus().length} cores, load ${load.toFixed(1)}; relay in its own process`;
console.log(header);
// 32 nodes: up to 13 tasks are open at once (12 whole-upload tasks of a round and the PUT task).
const fixture = await startChainFixture({ nodes: 32 });
const results: BackendFigures[] = [];
const dataDir = await mkdtemp(join(tmpdir(), 'relay-bench-sqlite-'));
try {
  if (onlyBackend !== 'postgres')
    results.push(await benchBackend(fixture, 'sqlite', { kind: 'sqlite', dataDir }));
  if (onlyBackend !== 'sqlite') {
    const { findPostgresBin, startPostgres } = await import('../test/startPostgres.js');
    if (!findPostgresBin()) console.log('# SKIP postgres: PostgreSQL is not installed');
    else {
      const postgres = await startPostgres();
      const s3 = await startS3Process();
      try {
        results.push(
          await benchBackend(fixture, 'postgres', {
            kind: 'postgres',
            postgresUrl: postgres.url,
            s3Endpoint: s3.endpoint,
            s3Bucket: 'relay-bench',
            s3AccessKeyId: 'S3RVER',
            s3SecretAccessKey: 'S3RVER',
          }),
        );
      } finally {
        await s3.stop();
        await postgres.stop();
      }
    }
  }
} finally {
  await fixture.stop();
  await rm(dataDir, { recursive: true, force: true });
}

if (markdown) {
  const lines = [
    '# Relay benchmark (`npm run bench:relay -- --markdown`)',
    '',
    `Written by \`packages/relay/src/bench/relay.bench.ts\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${runs} rounds per`,
    'figure after one warm-up round; each cell is the median round with the slowest and fastest rounds in brackets.',
    `Node ${process.version}, ${cpus().length} cores, load average ${load.toFixed(1)} when the run started (other processes share`,
    'the cores: compare the ratios within one run, not absolute figures across runs).',
    '',
    'The relay runs in its own process (`benchRelayServer.ts`); the bench process is the HTTP client (node:http,',
    'keep-alive), runs the baselines and drives anvil, so on 2 cores client and relay each have about one core.',
    'The baseline process (`bareFastifyServer.ts`, as many processes as the relay) serves a bare Fastify route and a',
    'plain node:http file server over the baseline folder: the same client and loopback with no relay work at all.',
    '',
    '- Upload, PUT only: `PUT …/result/files/result.json` (EIP-712 signed, body sha256-checked, streamed into',
    '  storage: SQLite backend = a pack record (≤ 4 MiB) or a file under its fresh key, acknowledged once written, not',
    '  yet fsynced: the commit is the durability barrier of staged files, docs/relay-api.md "Storage"; PostgreSQL',
    '  backend = S3 PUT to a local s3rver, durable on return), with 1 and with 4 uploads in flight (a node streaming',
    '  one result; a relay serving several nodes). **Whole result**: what a node waits for, a new task each, the PUT',
    '  and then `POST …/result/commit` (the relay reads the file back, checks it, fsyncs it, commits and signs),',
    '  1 and 4 tasks in flight. Both vs the same bytes written with the same number in flight with write + fsync + rename + folder fsync on',
    '  the same disk (the durable ceiling), vs a plain file copy (read stream → write stream, no fsync: the',
    "  issue's ceiling, which no durable store reaches), and vs a plain node:http PUT that writes the streamed body",
    '  durably (no auth, hash or metadata).',
    "- Download: the creator's `GET …/result/files/result.json` once the task is validated, 1 and 4 in flight, vs a",
    '  plain file copy of the same bytes with as many in flight (the ceiling), and vs a plain node:http server',
    '  streaming the same bytes from a file on the same disk. "Client CPU" is the bench process\'s CPU time per MB',
    '  while the relay figure ran (it shares the 2 cores).',
    `- Image result: an SD task of ${imageResult.count} PNGs of ${imageResult.width}×${imageResult.height} (detailed pixels, written by the worker's writePng),`,
    '  all uploaded at once, then committed: the commit decodes every PNG and recomputes its pHash; vs a durable',
    '  write of the same files. A new task per round.',
    `- Small requests: the node's signed \`GET /v1/tasks/{taskKey}/args\` (~150 bytes), ${smallConnections} connections with one request`,
    `  in flight each, ${smallCount} per round (signed before the round), sent by a raw-socket client (driveRawLoad.ts), vs a bare`,
    "  Fastify route (no plugins, same number of processes) and the relay's unsigned `/healthz` in the same round.",
    '  "Relay CPU" is the user + system CPU time of all relay processes per request (process.cpuUsage); "client',
    '  CPU" the bench process\'s over the same round; "relay + client on 2 cores" is 2,000,000 µs over their sum,',
    '  the rate two cores would serve if nothing else ran on them.',
    "- Memory: growth of the relay process's peak RSS (the kernel's VmHWM, reset before each round) while N uploads",
    '  of S bytes run concurrently.',
    '',
    '| backend | figure | relay | baseline | relay / baseline |',
    '|---|---|---:|---:|---:|',
  ];
  for (const r of results) {
    for (const [label, f] of Object.entries(r.upload))
      lines.push(
        ...(f.whole
          ? [
              `| ${r.backend} | upload ${label}: whole result, PUT + commit, ${f.whole.tasks} tasks (MB/s) | ${fmt(f.whole.rate)} | ${fmt(f.copy)} (file copy) | ${pct(f.whole.rate, f.copy)} |`,
              `| ${r.backend} | upload ${label}: whole result vs durable write; ms per task; relay CPU per task | ${fmt(f.whole.msPerTask, 1)} ms; ${fmt(f.whole.cpuMsPerTask, 1)} ms | ${fmt(f.baseline)} (durable write) | ${pct(f.whole.rate, f.baseline)} |`,
            ]
          : []),
        `| ${r.backend} | upload ${label}: PUT only (MB/s) | ${fmt(f.relay)} | ${fmt(f.baseline)} (durable write) | ${pct(f.relay, f.baseline)} |`,
        `| ${r.backend} | upload ${label}: PUT only vs a plain file copy (MB/s) | ${fmt(f.relay)} | ${fmt(f.copy)} (file copy, ${runs * copiesPerRound} runs, swing ${swing(f.copy)} %) | ${pct(f.relay, f.copy)}${f.roundRatios ? `; per round ${fmt(f.roundRatios)} %` : ''} |`,
        `| ${r.backend} | upload ${label}: plain node:http durable PUT (MB/s) | ${fmt(f.plain)} | ${fmt(f.baseline)} (durable write) | ${pct(f.plain, f.baseline)} |`,
        `| ${r.backend} | upload ${label}: relay / plain node:http | | | ${pct(f.relay, f.plain)} |`,
        `| ${r.backend} | upload ${label}: relay CPU / client CPU (ms/MB) | ${fmt(f.cpuPerMB, 1)} / ${fmt(f.clientPerMB, 1)} | | |`,
        ...(f.append && f.relayRaw && f.appendRaw && f.cpuRawPerMB && f.clientRawPerMB
          ? [
              `| ${r.backend} | upload ${label}: bound, plain node:http appending to an open file (MB/s) | ${fmt(f.append)} | ${fmt(f.copy)} (file copy) | ${pct(f.append, f.copy)} |`,
              `| ${r.backend} | upload ${label}: PUT only, raw client (MB/s) | ${fmt(f.relayRaw)} | ${fmt(f.copy)} (file copy) | ${pct(f.relayRaw, f.copy)} |`,
              `| ${r.backend} | upload ${label}: bound, raw client (MB/s) | ${fmt(f.appendRaw)} | ${fmt(f.copy)} (file copy) | ${pct(f.appendRaw, f.copy)} |`,
              `| ${r.backend} | upload ${label}: raw client: relay CPU / bound server CPU / client CPU (ms/MB) | ${fmt(f.cpuRawPerMB, 1)} / ${fmt(f.cpuBoundPerMB ?? f.cpuRawPerMB, 1)} / ${fmt(f.clientRawPerMB, 1)} | | |`,
            ]
          : []),
      );
    for (const [label, f] of Object.entries(r.download))
      lines.push(
        `| ${r.backend} | download ${label} (MB/s) | ${fmt(f.relay)} | ${fmt(f.baseline)} (file copy) | ${pct(f.relay, f.baseline)} |`,
        `| ${r.backend} | download ${label}: plain node:http file server (MB/s) | ${fmt(f.plain)} | ${fmt(f.baseline)} (file copy) | ${pct(f.plain, f.baseline)} |`,
        `| ${r.backend} | download ${label}: relay / plain node:http | | | ${pct(f.relay, f.plain)} |`,
        `| ${r.backend} | download ${label}: relay CPU / client CPU (ms/MB) | ${fmt(f.cpuPerMB, 1)} / ${fmt(f.clientPerMB, 1)} | | |`,
      );
    if (r.image)
      lines.push(
        `| ${r.backend} | image result ${r.image.label}: upload, all files in flight (MB/s) | ${fmt(r.image.upload)} | ${fmt(r.image.baseline)} (durable write) | ${pct(r.image.upload, r.image.baseline)} |`,
        `| ${r.backend} | image result: upload + commit (PNG decode + pHash) (MB/s) | ${fmt(r.image.total)} | ${fmt(r.image.baseline)} (durable write) | ${pct(r.image.total, r.image.baseline)} |`,
        `| ${r.backend} | image result: upload / commit time (ms); relay CPU per result (ms) | ${fmt(r.image.uploadMs, 1)} / ${fmt(r.image.commitMs, 1)}; ${fmt(r.image.cpuMs, 1)} | | |`,
      );
    if (r.small)
      lines.push(
        `| ${r.backend} | signed small GET, ${workers} relay process(es) (req/s) | ${fmt(r.small.signed)} | ${fmt(r.small.bare)} (bare Fastify route) | ${pct(r.small.signed, r.small.bare)} |`,
        `| ${r.backend} | unsigned /healthz of the relay (req/s) | ${fmt(r.small.healthz)} | ${fmt(r.small.bare)} (bare Fastify route) | ${pct(r.small.healthz, r.small.bare)} |`,
        `| ${r.backend} | signed small GET: relay CPU (µs/request) | ${fmt(r.small.signedCpu)} | ${fmt(r.small.bareCpu)} (bare Fastify route) | |`,
        `| ${r.backend} | signed small GET: client CPU (µs/request); relay + client on 2 cores (req/s) | ${fmt(r.small.clientCpu)}; ${fmt(r.small.twoCoreRate)} | | |`,
        `| ${r.backend} | signed small GET latency p50 / p99 (ms) | ${fmt(r.small.p50, 1)} / ${fmt(r.small.p99, 1)} | | |`,
        `| ${r.backend} | load average during the small-request rounds | ${fmt(r.small.load, 1)} | | |`,
      );
    for (const m of r.memory)
      lines.push(
        `| ${r.backend} | relay peak RSS growth, ${m.label} concurrent uploads (MB) | ${fmt(m.peakDelta)}${m.failed ? ` (${m.failed} uploads failed)` : ''} | | |`,
      );
  }
  lines.push(
    '',
    'Targets (issue 8): upload and download ≥ 200 MB/s and ≥ 50 % of the file baseline; ≥ 2,000 signed small',
    'requests/s on 2 cores; memory flat in the number and size of uploads.',
    '',
  );
  const file = new URL('../../../../docs/benchmarks/relay.md', import.meta.url);
  writeFileSync(file, lines.join('\n'));
  console.log(`wrote ${file.pathname}`);
}
