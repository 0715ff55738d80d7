import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeCost } from './printTaskResult.js';

const keys = (count: number) => Array.from({ length: count }, (_, i) => `0x${String(i).repeat(64)}` as const);
const gwei = 1_000_000_000n;

describe('the price line of `task run` says how many on-chain tasks a request took', () => {
  it('one on-chain task: just what was paid', () => {
    assert.equal(
      describeCost({ taskKeys: keys(1), feesPaid: gwei, refunded: 0n }, { resubmits: 0 }, 0),
      '1 gwei paid',
    );
  });

  it("the trial's sampled task on 3 nodes: 7 on-chain tasks, 4 of them replacements, all paid", () => {
    assert.equal(
      describeCost({ taskKeys: keys(7), feesPaid: 7n * gwei, refunded: 0n }, { resubmits: 0 }, 4),
      '7 on-chain tasks (the original, 2 group members, 4 replacements for members that ran on a node already in the group), 7 gwei paid to nodes in all',
    );
  });

  it('a group with refunds and a resubmission says what is owed back and how to collect it', () => {
    assert.equal(
      describeCost({ taskKeys: keys(3), feesPaid: gwei, refunded: 2n * gwei }, { resubmits: 1 }, 0),
      '3 on-chain tasks (the original, 2 group members), resubmitted 1 time, 1 gwei paid to nodes in all, 2 gwei refunded (owed back: `verinet task withdraw` collects it)',
    );
  });

  it('review s9 #3: a resubmitted single task counts the earlier attempt as such, not as a group member', () => {
    assert.equal(
      describeCost(
        { taskKeys: keys(2), feesPaid: gwei, refunded: gwei },
        { resubmits: 1, previous: keys(1) },
        0,
      ),
      '2 on-chain tasks (the original, 1 earlier attempt), resubmitted 1 time, 1 gwei paid to nodes in all, 1 gwei refunded (owed back: `verinet task withdraw` collects it)',
    );
    assert.equal(
      describeCost(
        { taskKeys: keys(6), feesPaid: gwei, refunded: 0n },
        { resubmits: 2, previous: keys(2) },
        1,
      ),
      '6 on-chain tasks (the original, 2 group members, 1 replacement for a member that ran on a node already in the group, 2 earlier attempts), resubmitted 2 times, 1 gwei paid to nodes in all',
    );
  });
});
