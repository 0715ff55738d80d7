/**
 * The worker process entry. Spawned by WorkerSupervisor (or any parent speaking docs/worker-protocol.md):
 *
 *   node --import tsx packages/worker/src/process/child.ts --models-dir <dir> [--threads 1]
 *        [--execution-provider cpu] [--progress-interval-ms 250] [--backend-module <file>]…
 *        [--no-default-backends]
 *
 * stdout carries protocol lines only: everything a library prints (console.*, process.stdout.write) is
 * redirected to stderr before any backend is loaded.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { assertExecutionProvider } from '../models/assertExecutionProvider.js';
import { type BackendEntry, type BackendModule, getDefaultBackends } from './backendRegistry.js';
import { computeScore } from './computeScore.js';
import { defaultProgressIntervalMs, serveWorker } from './serveWorker.js';
import { createTaskRunner } from './taskRunner.js';
import { validateTaskArgs } from './validateTaskArgs.js';

const protocolOut = process.stdout.write.bind(process.stdout);
const toStderr = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
process.stdout.write = toStderr;
for (const method of ['log', 'info', 'debug', 'trace'] as const) {
  console[method] = (...values: unknown[]) => console.error(...values);
}

const { values } = parseArgs({
  options: {
    'models-dir': { type: 'string' },
    threads: { type: 'string', default: '1' },
    'execution-provider': { type: 'string', default: 'cpu' },
    'progress-interval-ms': { type: 'string', default: String(defaultProgressIntervalMs) },
    'backend-module': { type: 'string', multiple: true, default: [] },
    'no-default-backends': { type: 'boolean', default: false },
  },
  strict: true,
});

const modelsDir = resolve(values['models-dir'] ?? process.env.VERINET_MODELS_DIR ?? '.verinet/models');
const threads = Number(values.threads);
if (!Number.isInteger(threads) || threads < 1) {
  process.stderr.write(`worker: --threads must be a positive integer, got ${values.threads}\n`);
  process.exit(2);
}
const executionProvider = values['execution-provider'];
if (executionProvider !== 'cpu' && executionProvider !== 'cuda') {
  process.stderr.write(`worker: --execution-provider must be cpu or cuda, got ${executionProvider}\n`);
  process.exit(2);
}
try {
  // Before any backend opens a model: a missing provider must not read as a damaged model.
  assertExecutionProvider(executionProvider);
} catch (error) {
  // The node shows only the tail of stderr: the problem and the fix, not every detail line.
  const { shortMessage, details } = error as { shortMessage?: string; details?: string[] };
  const lines = [shortMessage ?? (error as Error).message, ...(details ?? []).slice(0, 2)];
  process.stderr.write(`worker: ${lines.join('\n  ')}\n`);
  process.exit(2);
}
const progressIntervalMs = Number(values['progress-interval-ms']);
if (!Number.isInteger(progressIntervalMs) || progressIntervalMs < 0) {
  process.stderr.write(
    `worker: --progress-interval-ms must be a non-negative integer, got ${values['progress-interval-ms']}\n`,
  );
  process.exit(2);
}

const backends: BackendEntry[] = values['no-default-backends'] ? [] : getDefaultBackends();
for (const file of values['backend-module']) {
  const url = pathToFileURL(isAbsolute(file) ? file : resolve(file)).href;
  const mod = (await import(url)) as BackendModule;
  for (const entry of mod.backends) {
    const at = backends.findIndex((b) => b.taskType === entry.taskType);
    if (at === -1) backends.push(entry);
    else backends[at] = entry;
  }
}

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

await serveWorker({
  input: process.stdin,
  write: (line) => {
    protocolOut(line);
  },
  runner: createTaskRunner({
    backends,
    modelsDir,
    threads,
    executionProvider,
    validateArgs: validateTaskArgs,
    computeScore,
  }),
  handshake: {
    workerVersion: packageJson.version,
    runtime: `node ${process.versions.node}`,
    executionProvider,
    threads,
  },
  progressIntervalMs,
});
// Native sessions can hold the event loop open; the protocol is done, so leave now.
process.exit(0);
