import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { decodeWorkerMessage, encodeMessage } from '../protocol/codec.js';
import type { ParentMessage, RunMessage, WorkerMessage } from '../protocol/messages.js';
import { serveWorker } from './serveWorker.js';
import type { TaskRunner } from './taskRunner.js';

/** A runner whose tasks finish when the test says so (or when cancelled). */
function createFakeRunner() {
  const finishers = new Map<string, () => void>();
  let disposed = false;
  const runner: TaskRunner = {
    capabilities: async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return [{ taskType: 'llm', argsVersion: '1.0.0', models: [], features: [] }];
    },
    run: (message: RunMessage, signal: AbortSignal, onProgress) =>
      new Promise((resolve) => {
        onProgress({ step: 0, total: 1 });
        const { requestId } = message;
        signal.addEventListener('abort', () =>
          resolve({ type: 'error', requestId, kind: 'cancelled', message: 'Task cancelled' }),
        );
        finishers.set(requestId, () =>
          resolve({
            type: 'result',
            requestId,
            files: [{ name: 'result.json', mediaType: 'application/json', size: 2, sha256: '0'.repeat(64) }],
            score: '00',
            durationMs: 1,
          }),
        );
      }),
    dispose: async () => {
      disposed = true;
    },
  };
  return { runner, finish: (id: string) => finishers.get(id)!(), isDisposed: () => disposed };
}

test('serveWorker: handshake first, one task at a time, cancel, bad lines, shutdown', async () => {
  const input = new PassThrough();
  const received: WorkerMessage[] = [];
  let notify: () => void = () => {};
  const fake = createFakeRunner();
  const served = serveWorker({
    input,
    write: (line) => {
      received.push(decodeWorkerMessage(line.trimEnd()));
      notify();
    },
    runner: fake.runner,
    handshake: { workerVersion: '0.1.0', runtime: 'test', executionProvider: 'cpu', threads: 1 },
    // This test steers on the first progress of each task; coalescing has its own test below.
    progressIntervalMs: 0,
  });
  const send = (message: ParentMessage) => input.write(encodeMessage(message));
  const next = async (predicate: (m: WorkerMessage) => boolean): Promise<WorkerMessage> => {
    for (;;) {
      const found = received.find(predicate);
      if (found) return found;
      await new Promise<void>((resolve) => {
        notify = resolve;
      });
    }
  };
  const run = (requestId: string): RunMessage => ({
    type: 'run',
    requestId,
    taskType: 'llm',
    args: {},
    outputDir: '/tmp/x',
  });

  // Sent before the handshake is out: answered only after it.
  send(run('a'));
  await next((m) => m.type === 'progress' && m.requestId === 'a');
  assert.equal(received[0]!.type, 'handshake');

  send(run('b'));
  const busy = await next((m) => m.type === 'error' && m.requestId === 'b');
  assert.equal(busy.type === 'error' && busy.kind, 'protocol_error');

  fake.finish('a');
  const result = await next((m) => m.type === 'result');
  assert.equal(result.type === 'result' && result.requestId, 'a');

  input.write('{"type":"run"}\n');
  const bad = await next((m) => m.type === 'error' && m.requestId === undefined);
  assert.equal(bad.type === 'error' && bad.kind, 'protocol_error');

  send(run('c'));
  await next((m) => m.type === 'progress' && m.requestId === 'c');
  send({ type: 'cancel', requestId: 'other' });
  send({ type: 'cancel', requestId: 'c' });
  const cancelled = await next((m) => m.type === 'error' && m.requestId === 'c');
  assert.equal(cancelled.type === 'error' && cancelled.kind, 'cancelled');

  send({ type: 'shutdown' });
  await served;
  assert.ok(fake.isDisposed());
});

test('serveWorker: progress is coalesced per interval and never follows the reply', async () => {
  const intervalMs = 40;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const runner: TaskRunner = {
    capabilities: async () => [{ taskType: 'llm', argsVersion: '1.0.0', models: [], features: [] }],
    run: async (message, _signal, onProgress) => {
      // 'quick' ends within the interval; 'slow' reports a burst, then runs on past the interval.
      for (let step = 1; step <= 50; step++) onProgress({ step, total: 50 });
      if (message.requestId === 'slow') await sleep(intervalMs * 4);
      return {
        type: 'result',
        requestId: message.requestId,
        files: [{ name: 'result.json', mediaType: 'application/json', size: 2, sha256: '0'.repeat(64) }],
        score: '00',
        durationMs: 1,
      };
    },
    dispose: async () => {},
  };
  const input = new PassThrough();
  const received: WorkerMessage[] = [];
  const served = serveWorker({
    input,
    write: (line) => received.push(decodeWorkerMessage(line.trimEnd())),
    runner,
    handshake: { workerVersion: '0.1.0', runtime: 'test', executionProvider: 'cpu', threads: 1 },
    progressIntervalMs: intervalMs,
  });
  const runAndSettle = async (requestId: string) => {
    input.write(encodeMessage({ type: 'run', requestId, taskType: 'llm', args: {}, outputDir: '/tmp/x' }));
    while (!received.some((m) => m.type === 'result' && m.requestId === requestId)) await sleep(5);
    // Long enough for a wrongly held report to surface after the reply.
    await sleep(intervalMs * 2);
    return received.filter((m) => m.type !== 'handshake' && m.requestId === requestId).map((m) => m.type);
  };
  assert.deepEqual(await runAndSettle('quick'), ['result']);
  assert.deepEqual(await runAndSettle('slow'), ['progress', 'result']);
  const progress = received.find((m) => m.type === 'progress');
  assert.equal(progress?.type === 'progress' && progress.step, 50);
  input.end();
  await served;
});
