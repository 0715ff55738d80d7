import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hex } from 'viem';
import { getBackoffMs, getTaskAction, reduceTask, type TaskInput } from './reduceTask.js';
import { type TaskRecord, type TaskStep, taskSteps } from './types.js';

const key = `0x${'11'.repeat(32)}` as Hex;
const task = (step: TaskStep, extra: Partial<TaskRecord> = {}): TaskRecord => ({
  taskKey: key,
  taskType: 1,
  step,
  startedBlock: 1,
  argsCommitment: null,
  salt: null,
  argsPath: null,
  outputDir: null,
  score: null,
  resultFiles: null,
  errorKind: null,
  outcome: null,
  fee: null,
  attempts: 0,
  lastError: null,
  nextAttemptAt: 0,
  deadlineAt: null,
  resultSignature: null,
  endedBlock: null,
  createdAt: 0,
  updatedAt: 0,
  ...extra,
});
const apply = (t: TaskRecord, input: TaskInput): TaskRecord => ({
  ...t,
  ...(reduceTask(t, input, 1000) ?? {}),
});

describe('reduceTask', () => {
  it('walks the happy path, one action per step', () => {
    let t = task('assigned');
    const seen: string[] = [];
    const inputs: TaskInput[] = [
      { type: 'argsFetched', argsPath: '/a', salt: key, argsCommitment: key, deadlineAt: 99 },
      { type: 'modelsReady' },
      { type: 'executed', outputDir: '/o', score: '0x12', resultFiles: '[]' },
      { type: 'resultUploaded', signature: '0xab' },
      { type: 'reported' },
      { type: 'ended', outcome: 'success', fee: 5n },
    ];
    for (const input of inputs) {
      seen.push(getTaskAction(t, 0) ?? 'none');
      t = apply(t, input);
    }
    assert.deepEqual(seen, ['fetchArgs', 'ensureModels', 'execute', 'uploadResult', 'submitScore', 'follow']);
    assert.equal(t.resultSignature, '0xab', 'the relay statement is kept for submitScore');
    assert.equal(t.step, 'ended');
    assert.equal(t.fee, '5');
    assert.equal(getTaskAction(t, 0), null);
  });

  it("a node's own mined report waits `followAfterMs` before its first follow; a report seen otherwise is followed at once", () => {
    const own = reduceTask(task('result_uploaded'), { type: 'reported', followAfterMs: 2_000 }, 1000);
    assert.equal(own?.step, 'reported');
    assert.equal(own?.nextAttemptAt, 3_000);
    const waiting = { ...task('reported'), ...own };
    assert.equal(getTaskAction(waiting, 2_999), null);
    assert.equal(getTaskAction(waiting, 3_000), 'follow');
    assert.equal(reduceTask(task('result_uploaded'), { type: 'reported' }, 1000)?.nextAttemptAt, 0);
  });

  it('a report the chain went back under is reported again before the deadline, else the task ends at its timeout', () => {
    const reported = task('reported', { score: key, resultSignature: '0x', attempts: 5 });
    const again = apply(reported, { type: 'reportUndone', again: true, message: 'undone' });
    assert.equal(again.step, 'result_uploaded');
    assert.equal(again.attempts, 0);
    assert.equal(again.score, key);
    assert.equal(
      apply({ ...reported, resultSignature: null }, { type: 'reportUndone', again: true, message: 'x' }).step,
      'executed',
    );
    assert.equal(
      apply({ ...reported, errorKind: 'invalid_args' }, { type: 'reportUndone', again: true, message: 'x' })
        .step,
      'invalid_args',
    );
    assert.equal(apply(reported, { type: 'reportUndone', again: false, message: 'late' }).step, 'abandoned');
    assert.equal(
      reduceTask(task('executed'), { type: 'reportUndone', again: true, message: 'x' }, 1000),
      null,
    );
    // A retry may set its own count (the follows that wait for an undone report), else it grows by one.
    assert.equal(
      apply(reported, { type: 'failedRetryable', message: 'm', backoffMs: 1, attempts: 1 }).attempts,
      1,
    );
    assert.equal(apply(reported, { type: 'failedRetryable', message: 'm', backoffMs: 1 }).attempts, 6);
  });

  it('a relay statement the chain refuses sends the task back to commit its result again', () => {
    const t = apply(task('result_uploaded', { resultSignature: '0xab' }), {
      type: 'statementRejected',
      message: 'InvalidRelaySignature',
    });
    assert.equal(t.step, 'executed');
    assert.equal(t.resultSignature, null);
    assert.equal(getTaskAction(t, 0), 'uploadResult');
    assert.equal(reduceTask(task('reported'), { type: 'statementRejected', message: 'x' }, 0), null);
  });

  it('reports only invalid_args on chain; every other worker failure lets the task time out', () => {
    assert.equal(
      apply(task('models_ready'), { type: 'workerFailed', kind: 'invalid_args', message: 'x' }).step,
      'invalid_args',
    );
    for (const kind of [
      'execution_failed',
      'model_missing',
      'unsupported',
      'crashed',
      'out_of_memory',
      'timeout',
      'cancelled',
    ]) {
      const t = apply(task('models_ready'), { type: 'workerFailed', kind, message: 'x' });
      assert.equal(t.step, 'abandoned', kind);
      assert.equal(getTaskAction(t, 0), 'abortTimedOut');
    }
    assert.equal(getTaskAction(task('invalid_args'), 0), 'reportError');
  });

  it('ignores stale and repeated inputs (idempotent)', () => {
    const done = task('executed', { score: '0x12' });
    assert.equal(reduceTask(done, { type: 'modelsReady' }, 0), null);
    assert.equal(
      reduceTask(done, { type: 'executed', outputDir: '/x', score: '0x99', resultFiles: '[]' }, 0),
      null,
    );
    assert.equal(reduceTask(task('reported'), { type: 'reported' }, 0), null);
    assert.equal(reduceTask(task('ended'), { type: 'ended', outcome: 'aborted', fee: 1n }, 0), null);
    assert.equal(reduceTask(task('reported'), { type: 'abandon', message: 'x' }, 0), null);
  });

  it('an end on chain ends the task from any step', () => {
    for (const step of taskSteps.filter((s) => s !== 'ended')) {
      assert.equal(apply(task(step), { type: 'ended', outcome: 'aborted', fee: null }).step, 'ended');
    }
  });

  it('retries with backoff and waits until the retry time', () => {
    const t = apply(task('assigned'), {
      type: 'failedRetryable',
      message: 'relay down',
      backoffMs: getBackoffMs(0),
    });
    assert.equal(t.attempts, 1);
    assert.equal(t.nextAttemptAt, 2000);
    assert.equal(getTaskAction(t, 1500), null);
    assert.equal(getTaskAction(t, 2000), 'fetchArgs');
    assert.equal(getBackoffMs(30), 60_000);
    // The retry counters reset on the next step.
    assert.equal(
      apply(t, { type: 'argsFetched', argsPath: '/a', salt: key, argsCommitment: key, deadlineAt: 1 })
        .attempts,
      0,
    );
  });
});
