import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerExit } from '@verinet/worker';
import { createWorkerExitHandler } from './createWorkerExitHandler.js';

function setup() {
  const notices: string[] = [];
  let starts = 0;
  let stopping = false;
  const handler = createWorkerExitHandler({
    notice: (level, message) => notices.push(`${level}: ${message}`),
    start: async () => {
      starts++;
      if (stopping) throw new Error('worker stopped');
    },
    isStopping: () => stopping,
    signalGraceMs: 30,
  });
  return { notices, handler, starts: () => starts, stop: () => (stopping = true) };
}

const exit = (signal: NodeJS.Signals | null, wasReady = true): WorkerExit => ({
  exitCode: signal ? null : 1,
  signal,
  wasReady,
  killedFor: undefined,
});

test('Ctrl-C reaching the worker and its node: no "restarting", no "did not start again"', async () => {
  const run = setup();
  run.handler(exit('SIGINT'));
  run.stop();
  await sleep(60);
  assert.deepEqual(run.notices, []);
  assert.equal(run.starts(), 0);
});

test('a worker killed alone is restarted: at once after SIGKILL, after the grace after SIGINT', async () => {
  const killed = setup();
  killed.handler(exit('SIGKILL'));
  assert.equal(killed.starts(), 1);
  await sleep(5);
  assert.deepEqual(killed.notices, [
    'warn: worker exited (signal SIGKILL), restarting',
    'info: worker ready again (0.0 s)',
  ]);
  const interrupted = setup();
  interrupted.handler(exit('SIGINT'));
  assert.equal(interrupted.starts(), 0);
  await sleep(60);
  assert.equal(interrupted.starts(), 1);
  assert.match(interrupted.notices[0] ?? '', /^warn: worker exited \(signal SIGINT\), restarting$/);
});
