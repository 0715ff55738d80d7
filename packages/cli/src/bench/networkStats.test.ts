import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChainCeiling } from './measureChainCeiling.js';
import {
  ceilingSpread,
  combineGrownCeilings,
  medianCeiling,
  percentile,
  planCeilingRuns,
} from './networkStats.js';

const run = (tasksPerSecond: number): ChainCeiling => ({
  tasks: 1000,
  transactions: 3000,
  seconds: 1000 / tasksPerSecond,
  tasksPerSecond,
  txPerSecond: 3 * tasksPerSecond,
});

describe('bench:network statistics', () => {
  it('takes the median ceiling run, the higher middle one of an even count, NaN of none', () => {
    assert.equal(medianCeiling([run(117.24), run(94.89), run(101)]).tasksPerSecond, 101);
    assert.equal(medianCeiling([run(94.89), run(117.24)]).tasksPerSecond, 117.24);
    assert.equal(medianCeiling([run(50)]).tasksPerSecond, 50);
    assert.ok(Number.isNaN(medianCeiling([]).tasksPerSecond));
  });

  it('says the ceiling spread relative to the median', () => {
    assert.equal(ceilingSpread([run(90), run(100), run(110)]), 'spread 90.00–110.00 = 20.0 % of the median');
    assert.equal(ceilingSpread([run(90)]), 'one run: no spread');
  });

  it('takes percentiles by nearest rank', () => {
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([5, 1, 4, 2, 3], 99), 5);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe('bench:network chain-bound ceiling on the grown chain', () => {
  it('plans the ceiling runs per state, the states in turn', () => {
    assert.deepEqual(planCeilingRuns('fresh', 3), ['fresh', 'fresh', 'fresh']);
    assert.deepEqual(planCeilingRuns('grown', 2), ['start', 'end', 'start', 'end']);
    assert.deepEqual(planCeilingRuns('both', 1), ['fresh', 'start', 'end']);
    assert.deepEqual(planCeilingRuns('grown', 0), []);
  });

  it('combines the ceilings at the phase start and end by the mean time per task', () => {
    // 10 ms and 40 ms of chain time per task: 25 ms on average = 40 tasks/s (not the 62.5 of the mean rate).
    assert.equal(combineGrownCeilings(100, 25), 40);
    assert.equal(combineGrownCeilings(80, 80), 80);
    assert.ok(Number.isNaN(combineGrownCeilings(Number.NaN, 80)));
    assert.ok(Number.isNaN(combineGrownCeilings(80, 0)));
  });
});
