import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hex } from 'viem';
import { getTaskLoopWaitMs } from './getTaskLoopWaitMs.js';

const task = (key: string, nextAttemptAt: number, step: 'assigned' | 'reported' | 'ended' = 'assigned') => ({
  taskKey: `0x${key.padStart(64, '0')}` as Hex,
  step,
  nextAttemptAt,
});

describe('getTaskLoopWaitMs', () => {
  it('sleeps the longest wait when no task is open', () => {
    assert.equal(getTaskLoopWaitMs([], new Set(), 10_000, 1_000), 1_000);
  });

  it('wakes at the earliest retry time of a task not running, never later than the longest wait', () => {
    const tasks = [task('a', 10_700), task('b', 10_300, 'reported'), task('c', 50_000)];
    assert.equal(getTaskLoopWaitMs(tasks, new Set(), 10_000, 1_000), 300);
    assert.equal(getTaskLoopWaitMs([task('c', 50_000)], new Set(), 10_000, 1_000), 1_000);
  });

  it('does not sleep while a task that is not running is already due', () => {
    assert.equal(getTaskLoopWaitMs([task('a', 9_000), task('b', 10_500)], new Set(), 10_000, 1_000), 0);
  });

  it('ignores running tasks (their step wakes the loop when it ends) and ended ones', () => {
    const running = task('A', 0);
    const inFlight = new Set([running.taskKey.toLowerCase()]);
    assert.equal(getTaskLoopWaitMs([running, task('b', 10_400)], inFlight, 10_000, 1_000), 400);
    assert.equal(getTaskLoopWaitMs([task('c', 0, 'ended')], new Set(), 10_000, 1_000), 1_000);
  });
});
