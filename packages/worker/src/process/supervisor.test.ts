import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WorkerProtocolError } from '../protocol/errors.js';
import { WorkerCrashedError, WorkerTaskError, WorkerTimeoutError } from './errors.js';
import { type WorkerExit, WorkerSupervisor, type WorkerSupervisorParameters } from './supervisor.js';

/** Bounds of this file's hooks (node:test hooks do not inherit a describe's timeout): a hung hook fails, not CI. */
const setupTimeout = { timeout: 60_000 };
const teardownTimeout = { timeout: 60_000 };

const fixture = fileURLToPath(new URL('./fixtures/testBackends.ts', import.meta.url));
let root: string;
let dirs = 0;

const llmArgs = (content: string) => ({
  model: 'test/echo',
  messages: [{ role: 'user', content }],
  generation_config: { max_new_tokens: 4 },
  seed: 1,
});

async function outputDir(): Promise<string> {
  const dir = join(root, `out-${dirs++}`);
  await import('node:fs/promises').then((fs) => fs.mkdir(dir));
  return dir;
}

function supervisor(options: Partial<WorkerSupervisorParameters> = {}): WorkerSupervisor {
  return new WorkerSupervisor({
    modelsDir: join(root, 'models'),
    backendModules: [fixture],
    noDefaultBackends: true,
    handshakeTimeoutMs: 20_000,
    taskTimeoutMs: 20_000,
    // These tests steer on individual steps; the default coalescing is tested in serveWorker.test.ts.
    progressIntervalMs: 0,
    ...options,
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'verinet-supervisor-'));
}, setupTimeout);
after(async () => {
  await rm(root, { recursive: true, force: true });
}, teardownTimeout);

describe('WorkerSupervisor', () => {
  test('handshake, then a task returns hashed files and the text score', async () => {
    const worker = supervisor();
    try {
      const handshake = await worker.start();
      assert.equal(handshake.protocolVersion.split('.')[0], '1');
      assert.deepEqual(handshake.backends, [
        { taskType: 'llm', argsVersion: '1.0.0', models: ['test/echo'], features: ['echo'] },
      ]);
      const progress: number[] = [];
      const result = await worker.run({
        taskType: 'llm',
        args: llmArgs('hello'),
        outputDir: await outputDir(),
        onProgress: (p) => progress.push(p.step),
      });
      const bytes = await readFile(result.files[0]!.path);
      assert.equal(bytes.toString(), '{"echo":"hello"}');
      const sha = createHash('sha256').update(bytes).digest('hex');
      assert.equal(result.files[0]!.sha256, sha);
      assert.equal(result.files[0]!.size, bytes.length);
      assert.equal(result.score, sha);
      assert.deepEqual(progress, [1]);
      // The same worker serves the next task.
      const pid = worker.pid;
      await worker.run({ taskType: 'llm', args: llmArgs('again'), outputDir: await outputDir() });
      assert.equal(worker.pid, pid);
    } finally {
      await worker.stop();
    }
  });

  test('the worker runs in its own process group (a Ctrl-C in the terminal reaches the node, not the inference)', async () => {
    const worker = supervisor();
    try {
      await worker.start();
      const processGroup = (pid: number | 'self') => {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Field 5 (pgrp); the command name (field 2) may hold spaces: count from the last ')'.
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      };
      assert.equal(processGroup(worker.pid!), worker.pid);
      assert.notEqual(processGroup(worker.pid!), processGroup('self'));
      // Started without V8's memory reducer (full collections while idle between short tasks: supervisor.ts).
      assert.ok(
        readFileSync(`/proc/${worker.pid}/cmdline`, 'utf8').split('\0').includes('--no-memory-reducer'),
      );
    } finally {
      await worker.stop();
    }
  });

  test('invalid arguments come back as kind invalid_args, the worker stays up', async () => {
    const worker = supervisor();
    try {
      await assert.rejects(
        worker.run({ taskType: 'llm', args: 'not an object', outputDir: await outputDir() }),
        (error: unknown) => error instanceof WorkerTaskError && error.kind === 'invalid_args',
      );
      await assert.rejects(
        worker.run({ taskType: 'llm', args: llmArgs('unsupported-feature'), outputDir: await outputDir() }),
        (error: unknown) => error instanceof WorkerTaskError && error.kind === 'invalid_args',
      );
      await assert.rejects(
        worker.run({ taskType: 'llm', args: llmArgs('fail'), outputDir: await outputDir() }),
        (error: unknown) =>
          error instanceof WorkerTaskError && error.kind === 'execution_failed' && /boom/.test(error.message),
      );
      await assert.rejects(
        worker.run({ taskType: 'llm', args: { ...llmArgs('x'), tools: [] }, outputDir: await outputDir() }),
        (error: unknown) => error instanceof WorkerTaskError && error.kind === 'invalid_args',
      );
      // A task newer than this worker is the node's limitation, never reported on chain.
      await assert.rejects(
        worker.run({
          taskType: 'llm',
          args: { ...llmArgs('x'), version: '1.99.0' },
          outputDir: await outputDir(),
        }),
        (error: unknown) => error instanceof WorkerTaskError && error.kind === 'unsupported',
      );
      await assert.rejects(
        worker.run({ taskType: 'sd', args: {}, outputDir: await outputDir() }),
        (error: unknown) => error instanceof WorkerTaskError && error.kind === 'unsupported',
      );
      assert.equal(worker.restarts, 0);
    } finally {
      await worker.stop();
    }
  });

  test('a worker killed mid-task fails that task with WorkerCrashedError; the next task runs after restart', async () => {
    const exits: WorkerExit[] = [];
    const worker = supervisor({ onExit: (exit) => exits.push(exit) });
    try {
      await worker.start();
      const running = worker.run({
        taskType: 'llm',
        args: llmArgs('slow'),
        outputDir: await outputDir(),
        onProgress: (p) => {
          if (p.step === 3) process.kill(worker.pid!, 'SIGKILL');
        },
      });
      await assert.rejects(
        running,
        (error: unknown) =>
          error instanceof WorkerCrashedError && error.reason === 'exit' && error.signal === 'SIGKILL',
      );
      const result = await worker.run({
        taskType: 'llm',
        args: llmArgs('after'),
        outputDir: await outputDir(),
      });
      assert.equal(result.files.length, 1);
      assert.equal(worker.restarts, 1);
      // The node logs the kill from this (the trial's kill -9 left no trace); stop() below is not an exit to log.
      assert.deepEqual(exits, [{ exitCode: null, signal: 'SIGKILL', wasReady: true, killedFor: undefined }]);
    } finally {
      await worker.stop();
    }
    assert.equal(exits.length, 1);
  });

  test('a worker that runs out of heap fails the task with reason out_of_memory', async () => {
    const worker = supervisor({ maxOldSpaceMb: 48 });
    try {
      await assert.rejects(
        worker.run({ taskType: 'llm', args: llmArgs('oom'), outputDir: await outputDir() }),
        (error: unknown) => error instanceof WorkerCrashedError && error.reason === 'out_of_memory',
      );
    } finally {
      await worker.stop();
    }
  });

  test('resident memory over maxRssMb kills the worker with reason memory_limit', async () => {
    const worker = supervisor({ maxRssMb: 400 });
    try {
      await worker.start();
      await assert.rejects(
        worker.run({ taskType: 'llm', args: llmArgs('oom'), outputDir: await outputDir() }),
        (error: unknown) => error instanceof WorkerCrashedError && error.reason === 'memory_limit',
      );
    } finally {
      await worker.stop();
    }
  });

  test('a malformed line on stdout is a WorkerProtocolError and the worker is replaced', async () => {
    const worker = supervisor();
    try {
      await assert.rejects(
        worker.run({ taskType: 'llm', args: llmArgs('garbage'), outputDir: await outputDir() }),
        (error: unknown) => error instanceof WorkerProtocolError && /not JSON/.test(error.message),
      );
      const result = await worker.run({ taskType: 'llm', args: llmArgs('ok'), outputDir: await outputDir() });
      assert.equal(result.files.length, 1);
    } finally {
      await worker.stop();
    }
  });

  test('a hung task times out with WorkerTimeoutError', async () => {
    const worker = supervisor({ taskTimeoutMs: 300 });
    try {
      await worker.start();
      await assert.rejects(
        worker.run({ taskType: 'llm', args: llmArgs('hang'), outputDir: await outputDir() }),
        (error: unknown) => error instanceof WorkerTimeoutError && error.phase === 'task',
      );
    } finally {
      await worker.stop();
    }
  });

  test('a worker that never handshakes times out', async () => {
    const worker = supervisor({
      handshakeTimeoutMs: 300,
      command: { executable: process.execPath, args: ['-e', 'setTimeout(() => {}, 60000)'] },
    });
    await assert.rejects(
      worker.start(),
      (error: unknown) => error instanceof WorkerTimeoutError && error.phase === 'handshake',
    );
    await worker.stop();
  });

  test('cancel stops a running task with kind cancelled and keeps the worker', async () => {
    const worker = supervisor();
    try {
      await worker.start();
      const pid = worker.pid;
      const controller = new AbortController();
      const running = worker.run({
        taskType: 'llm',
        args: llmArgs('slow'),
        outputDir: await outputDir(),
        signal: controller.signal,
        onProgress: (p) => {
          if (p.step === 2) controller.abort();
        },
      });
      await assert.rejects(
        running,
        (error: unknown) => error instanceof WorkerTaskError && error.kind === 'cancelled',
      );
      await worker.run({ taskType: 'llm', args: llmArgs('next'), outputDir: await outputDir() });
      assert.equal(worker.pid, pid);
    } finally {
      await worker.stop();
    }
  });

  test('a cancel the worker ignores kills it after the grace period', async () => {
    const worker = supervisor({ cancelGraceMs: 200 });
    try {
      await worker.start();
      const pid = worker.pid;
      const controller = new AbortController();
      const running = worker.run({
        taskType: 'llm',
        args: llmArgs('hang'),
        outputDir: await outputDir(),
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(
        running,
        (error: unknown) => error instanceof WorkerTaskError && error.kind === 'cancelled',
      );
      assert.notEqual(worker.pid, pid);
    } finally {
      await worker.stop();
    }
  });

  test('a worker executable that does not exist is a spawn_failed crash, not an exception', async () => {
    const worker = supervisor({ command: { executable: join(root, 'no-such-binary'), args: [] } });
    await assert.rejects(
      worker.start(),
      (error: unknown) => error instanceof WorkerCrashedError && error.reason === 'spawn_failed',
    );
    await worker.stop();
  });
});
