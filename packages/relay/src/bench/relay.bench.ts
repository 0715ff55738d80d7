/**
 * Relay throughput and latency over loopback HTTP, on both storage backends, against baselines measured in the
 * same run on the same disk:
 * - result upload (PUT, streamed to storage, fsynced) of 1 MB and 20 MB bodies vs a plain durable file write
 *   of the same bytes (write, fsync, rename: what any durable store must do at least);
 * - result download (GET by the creator once validated) vs a plain file read;
 * - signed small requests (GET of a task's arguments by its node: EIP-712 check, replay claim, chain cache,
 *   storage read) per second and their latency, vs unsigned GET /healthz on the same server;
 * - peak RSS of the process while 50 or 200 uploads of 1 or 8 MB run concurrently (memory flat in number and size).
 *
 *   npm run bench:relay [-- --runs 5] [--markdown]
 *
 * Every figure is the median of `runs` rounds with the min–max spread; --markdown writes docs/benchmarks/relay.md
 * with the date, run count and the machine's load, as printed.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hashRelayBody, signRelayRequest } from '@verinet/protocol/relay';
import type { Account, Hex, LocalAccount } from 'viem';
import {
  type ChainFixture,
  createFixtureTask,
  type FixtureTask,
  llmArgs,
  prepareArgs,
  startChainFixture,
  submitScore,
  validateSingle,
} from '../test/chainFixture.js';
import {
  createTestRelay,
  postgresStorageFactory,
  type StorageFactory,
  sqliteStorageFactory,
  type TestRelay,
} from '../test/relayHarness.js';
import { makeLlmResult } from '../test/resultFiles.js';

const argv = process.argv.slice(2);
const markdown = argv.includes('--markdown');
const runsIndex = argv.indexOf('--runs');
const runs = runsIndex >= 0 ? Number(argv[runsIndex + 1]) : 5;
const MB = 1024 * 1024;

type Spread = { median: number; min: number; max: number };
const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
};
const fmt = (s: Spread, digits = 0) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

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

type Signed = { headers: Record<string, string> };

async function sign(
  relay: TestRelay,
  account: Account,
  method: string,
  path: string,
  bodyHash?: Hex,
): Promise<Signed> {
  const headers = await signRelayRequest({
    signer: account as LocalAccount,
    domain: relay.context.domain,
    method,
    path,
    ...(bodyHash ? { bodyHash } : {}),
  });
  return { headers: headers as Record<string, string> };
}

/**
 * The body as a stream of views into the one shared buffer: fetch copies a typed-array body per request, which
 * would put the client's copies into the memory figure.
 */
function streamOf(body: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= body.length) return controller.close();
      const end = Math.min(body.length, offset + 256 * 1024);
      controller.enqueue(body.subarray(offset, end));
      offset = end;
    },
  });
}

async function send(url: string, method: string, signed: Signed | undefined, body?: Uint8Array) {
  const response = await fetch(url, {
    method,
    headers: {
      ...(signed?.headers ?? {}),
      ...(body ? { 'content-type': 'application/octet-stream', 'content-length': String(body.length) } : {}),
    },
    ...(body ? { body: streamOf(body), duplex: 'half' } : {}),
  } as RequestInit);
  const payload = new Uint8Array(await response.arrayBuffer());
  if (response.status >= 300)
    throw new Error(
      `${method} ${url}: ${response.status} ${new TextDecoder().decode(payload.slice(0, 300))}`,
    );
  return payload;
}

type BackendFigures = {
  backend: string;
  upload: Record<string, { relay: Spread; baseline: Spread }>;
  download: Record<string, { relay: Spread; baseline: Spread }>;
  small: { signed: Spread; healthz: Spread; p50: Spread; p99: Spread };
  memory: { label: string; peakDelta: Spread }[];
};

async function benchBackend(fixture: ChainFixture, factory: StorageFactory): Promise<BackendFigures> {
  const relay = await createTestRelay(fixture, await factory.create(), {
    // The production default: task states cached for a second (tests use 0 to see every change at once).
    chainCacheMs: 1000,
    config: {
      // Requests are signed before a round starts (signing is the client's cost): on a loaded machine a round
      // can outlast the default 60 s validity window.
      auth: { maxAgeSeconds: 3600 },
      limits: { requestsPerMinute: 100_000_000, resultFileBytes: 64 * MB },
      logLevel: 'silent',
    },
  });
  const address = await relay.app.listen({ host: '127.0.0.1', port: 0 });
  const baselineDir = await mkdtemp(join(tmpdir(), 'relay-bench-baseline-'));
  const app = fixture.actors.app.account;
  const uploadArgs = async (task: FixtureTask) => {
    const path = `/v1/args/${task.argsCommitment}?salt=${task.salt}&taskType=${task.taskType}`;
    await send(
      `${address}${path}`,
      'PUT',
      await sign(relay, app, 'PUT', path, hashRelayBody(task.bytes)),
      task.bytes,
    );
  };
  const newTask = async () => {
    const task = await createFixtureTask(fixture, {
      taskType: 'llm',
      prepared: prepareArgs('llm', llmArgs()),
    });
    await uploadArgs(task);
    return task;
  };
  const figures: BackendFigures = {
    backend: factory.name,
    upload: {},
    download: {},
    small: {} as never,
    memory: [],
  };
  try {
    for (const [label, size, perRound] of [
      ['1 MB', MB, 16],
      ['20 MB', 20 * MB, 3],
    ] as const) {
      const task = await newTask();
      const node = task.nodeActor!.account;
      const { bytes: body, score } = await makeResultJson(size);
      const bodyHash = hashRelayBody(body);
      const path = `/v1/tasks/${task.taskKey}/result/files/result.json`;
      const relayRates: number[] = [];
      const baseRates: number[] = [];
      for (let round = 0; round < runs + 1; round++) {
        const signed: Signed[] = [];
        for (let i = 0; i < perRound; i++) signed.push(await sign(relay, node, 'PUT', path, bodyHash));
        let start = performance.now();
        for (const s of signed) await send(`${address}${path}`, 'PUT', s, body);
        const relaySeconds = (performance.now() - start) / 1000;
        start = performance.now();
        for (let i = 0; i < perRound; i++) await durableWrite(baselineDir, body);
        const baseSeconds = (performance.now() - start) / 1000;
        if (round === 0) continue; // warm-up
        relayRates.push((perRound * body.length) / MB / relaySeconds);
        baseRates.push((perRound * body.length) / MB / baseSeconds);
      }
      figures.upload[label] = { relay: spread(relayRates), baseline: spread(baseRates) };
      console.log(
        `${factory.name} upload ${label}: relay ${fmt(spread(relayRates))} MB/s, write+fsync ${fmt(spread(baseRates))} MB/s`,
      );

      // Commit, report and validate, then the creator downloads.
      const commitPath = `/v1/tasks/${task.taskKey}/result/commit`;
      const commitBody = new TextEncoder().encode(JSON.stringify({ score }));
      const committed = await fetch(`${address}${commitPath}`, {
        method: 'POST',
        headers: {
          ...(await sign(relay, node, 'POST', commitPath, hashRelayBody(commitBody))).headers,
          'content-type': 'application/json',
        },
        body: commitBody,
      });
      if (committed.status !== 201) throw new Error(`commit: ${committed.status} ${await committed.text()}`);
      await submitScore(fixture, task, score);
      await validateSingle(fixture, task);
      const relayDown: number[] = [];
      const baseDown: number[] = [];
      await durableWrite(baselineDir, body);
      for (let round = 0; round < runs + 1; round++) {
        const signed: Signed[] = [];
        for (let i = 0; i < perRound; i++) signed.push(await sign(relay, app, 'GET', path));
        let start = performance.now();
        for (const s of signed) {
          const got = await send(`${address}${path}`, 'GET', s);
          if (got.length !== body.length) throw new Error('short download');
        }
        const relaySeconds = (performance.now() - start) / 1000;
        start = performance.now();
        for (let i = 0; i < perRound; i++) await readFile(join(baselineDir, 'baseline.bin'));
        const baseSeconds = (performance.now() - start) / 1000;
        if (round === 0) continue;
        relayDown.push((perRound * body.length) / MB / relaySeconds);
        baseDown.push((perRound * body.length) / MB / baseSeconds);
      }
      figures.download[label] = { relay: spread(relayDown), baseline: spread(baseDown) };
      console.log(
        `${factory.name} download ${label}: relay ${fmt(spread(relayDown))} MB/s, file read ${fmt(spread(baseDown))} MB/s`,
      );
    }

    // Small signed requests: the node fetching its task's arguments, 32 in flight.
    const live = await newTask();
    const node = live.nodeActor!.account;
    const argsPath = `/v1/tasks/${live.taskKey}/args`;
    const count = 500;
    const concurrency = 32;
    const signedRates: number[] = [];
    const healthRates: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    const drive = async (make: (i: number) => Promise<unknown>) => {
      const latencies: number[] = [];
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < count) {
            const i = next++;
            const t0 = performance.now();
            await make(i);
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        rate: count / seconds,
        p50: latencies[latencies.length >> 1]!,
        p99: latencies[Math.floor(latencies.length * 0.99)]!,
      };
    };
    for (let round = 0; round < runs + 1; round++) {
      const signed: Signed[] = [];
      for (let i = 0; i < count; i++) signed.push(await sign(relay, node, 'GET', argsPath));
      const small = await drive((i) => send(`${address}${argsPath}`, 'GET', signed[i]));
      const health = await drive(() => send(`${address}/healthz`, 'GET', undefined));
      if (round === 0) continue;
      signedRates.push(small.rate);
      healthRates.push(health.rate);
      p50s.push(small.p50);
      p99s.push(small.p99);
    }
    figures.small = {
      signed: spread(signedRates),
      healthz: spread(healthRates),
      p50: spread(p50s),
      p99: spread(p99s),
    };
    console.log(
      `${factory.name} signed small GET: ${fmt(spread(signedRates))} req/s (p50 ${fmt(spread(p50s), 1)} ms, p99 ${fmt(spread(p99s), 1)} ms); /healthz ${fmt(spread(healthRates))} req/s`,
    );

    // Peak RSS while N uploads of S bytes run at once (one shared body buffer on the client side).
    for (const [label, n, size] of [
      ['50 × 1 MB', 50, MB],
      ['200 × 1 MB', 200, MB],
      ['50 × 8 MB', 50, 8 * MB],
    ] as const) {
      const task = await newTask();
      const taskNode = task.nodeActor!.account;
      const { bytes: body } = await makeResultJson(size);
      const bodyHash = hashRelayBody(body);
      const path = `/v1/tasks/${task.taskKey}/result/files/result.json`;
      const deltas: number[] = [];
      for (let round = 0; round < runs; round++) {
        const signed: Signed[] = [];
        for (let i = 0; i < n; i++) signed.push(await sign(relay, taskNode, 'PUT', path, bodyHash));
        global.gc?.();
        const before = process.memoryUsage().rss;
        let peak = before;
        const timer = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
        }, 5);
        // A refused upload (e.g. cut by the relay's 120 s request timeout on a starved machine) is counted and
        // printed, not fatal: the memory figure is still the peak while the others ran.
        const outcomes = await Promise.allSettled(
          signed.map((s) => send(`${address}${path}`, 'PUT', s, body)),
        );
        clearInterval(timer);
        const failed = outcomes.filter((o) => o.status === 'rejected');
        if (failed.length > 0)
          console.log(
            `${factory.name} ${label}: ${failed.length} of ${n} uploads failed, first: ${String((failed[0] as PromiseRejectedResult).reason).slice(0, 200)}`,
          );
        peak = Math.max(peak, process.memoryUsage().rss);
        deltas.push((peak - before) / MB);
      }
      figures.memory.push({ label, peakDelta: spread(deltas) });
      console.log(`${factory.name} peak RSS growth, ${label} concurrent uploads: ${fmt(spread(deltas))} MB`);
    }
  } finally {
    await relay.close();
    await rm(baselineDir, { recursive: true, force: true });
  }
  return figures;
}

const load = loadavg()[0] ?? 0;
console.log(
  `relay bench: ${runs} rounds per figure (after one warm-up round), Node ${process.version}, ${cpus().length} cores, load ${load.toFixed(1)}`,
);
const fixture = await startChainFixture({ nodes: 16 });
const results: BackendFigures[] = [];
try {
  const factories: StorageFactory[] = [sqliteStorageFactory()];
  const postgres = await postgresStorageFactory();
  if (postgres) factories.push(postgres);
  for (const factory of factories) {
    try {
      results.push(await benchBackend(fixture, factory));
    } finally {
      await factory.cleanup();
    }
  }
} finally {
  await fixture.stop();
}

if (markdown) {
  const ratio = (a: Spread, b: Spread) => `${((a.median / b.median) * 100).toFixed(0)} %`;
  const lines = [
    '# Relay benchmark (`npm run bench:relay -- --markdown`)',
    '',
    `Written by \`packages/relay/src/bench/relay.bench.ts\` on ${new Date().toISOString().slice(0, 10)}: ${runs} rounds per figure after`,
    'one warm-up round; each cell is the median round with the slowest and fastest rounds in brackets. Loopback HTTP',
    '(fetch → Fastify), real anvil and contracts for the task states; the relay, the client and the baselines share',
    `one process. Node ${process.version}, ${cpus().length} cores, load average ${load.toFixed(1)} when the run started (other`,
    'processes share the cores: compare the ratios within one run, not absolute figures).',
    '',
    '- Upload: `PUT …/result/files/result.json` (EIP-712 signed, body sha256-checked, streamed into storage: SQLite',
    '  backend = temp file, fsync, rename, folder fsync; PostgreSQL backend = S3 PUT to a local s3rver) vs the same',
    '  bytes written to a file with write + fsync + rename + folder fsync on the same disk.',
    "- Download: the creator's `GET …/result/files/result.json` once the task is validated vs `readFile` of that file.",
    "- Small requests: the node's signed `GET /v1/tasks/{taskKey}/args` (~150 bytes), 32 in flight, 500 per round",
    '  (signed before the round; the bench relay accepts signatures for an hour so a slow round does not expire them),',
    '  vs unsigned `GET /healthz` on the same server.',
    '- Memory: growth of the process RSS (peak minus before) while N uploads of S bytes run concurrently (client and',
    '  relay in one process; the client sends one shared buffer).',
    '',
    '| backend | figure | relay | baseline | relay / baseline |',
    '|---|---|---:|---:|---:|',
  ];
  for (const r of results) {
    for (const [label, f] of Object.entries(r.upload))
      lines.push(
        `| ${r.backend} | upload ${label} (MB/s) | ${fmt(f.relay)} | ${fmt(f.baseline)} (write+fsync) | ${ratio(f.relay, f.baseline)} |`,
      );
    for (const [label, f] of Object.entries(r.download))
      lines.push(
        `| ${r.backend} | download ${label} (MB/s) | ${fmt(f.relay)} | ${fmt(f.baseline)} (readFile) | ${ratio(f.relay, f.baseline)} |`,
      );
    lines.push(
      `| ${r.backend} | signed small GET (req/s) | ${fmt(r.small.signed)} | ${fmt(r.small.healthz)} (/healthz) | ${ratio(r.small.signed, r.small.healthz)} |`,
    );
    lines.push(
      `| ${r.backend} | signed small GET latency p50 / p99 (ms) | ${fmt(r.small.p50, 1)} / ${fmt(r.small.p99, 1)} | | |`,
    );
    for (const m of r.memory)
      lines.push(
        `| ${r.backend} | peak RSS growth, ${m.label} concurrent uploads (MB) | ${fmt(m.peakDelta)} | | |`,
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
