import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidStakingParameterError, UnpreventableAttackError } from './errors.js';
import { getBucketRequiredStake } from './getBucketRequiredStake.js';
import { getMinimumBucketPopulation } from './getMinimumBucketPopulation.js';
import { getRequiredStake } from './getRequiredStake.js';

const price = 10n ** 16n;

describe('getBucketRequiredStake', () => {
  it('is the network formula over the bucket: two Sybils among 10 nodes of a GPU', () => {
    assert.equal(
      getBucketRequiredStake({ population: 10, samplingRate: 0.1, taskPrice: price }),
      getRequiredStake({ honest: 8, dishonest: 2, samplingRate: 0.1, taskPrice: price }),
    );
  });

  it('falls as the bucket grows', () => {
    let previous = getBucketRequiredStake({ population: 4, samplingRate: 0.1, taskPrice: price });
    for (const population of [5, 8, 16, 64, 1000]) {
      const stake = getBucketRequiredStake({ population, samplingRate: 0.1, taskPrice: price });
      assert.ok(stake < previous, `population ${population}`);
      previous = stake;
    }
  });

  it('refuses a bucket in which the attacker wins every group', () => {
    assert.throws(
      () => getBucketRequiredStake({ population: 3, samplingRate: 0.1, taskPrice: price }),
      UnpreventableAttackError,
    );
  });

  it('checks its inputs', () => {
    assert.throws(
      () => getBucketRequiredStake({ population: 2, samplingRate: 0.1, taskPrice: price }),
      InvalidStakingParameterError,
    );
    assert.throws(
      () => getBucketRequiredStake({ population: 5, dishonest: 6, samplingRate: 0.1, taskPrice: price }),
      InvalidStakingParameterError,
    );
  });
});

describe('getMinimumBucketPopulation', () => {
  it('finds the smallest population a stake deters', () => {
    const stake = getBucketRequiredStake({ population: 10, samplingRate: 0.1, taskPrice: price });
    const minimum = getMinimumBucketPopulation({ stake, samplingRate: 0.1, taskPrice: price });
    assert.equal(minimum, 10);
    assert.ok(getBucketRequiredStake({ population: 9, samplingRate: 0.1, taskPrice: price }) > stake);
  });

  it('returns null when the stake is below even the p = 0 bound', () => {
    // (1 - r) / r = 9 task prices at r = 10 %.
    assert.equal(
      getMinimumBucketPopulation({ stake: 9n * price - 1n, samplingRate: 0.1, taskPrice: price }),
      null,
    );
  });

  it('checks its inputs', () => {
    assert.throws(
      () => getMinimumBucketPopulation({ stake: -1n, samplingRate: 0.1, taskPrice: price }),
      InvalidStakingParameterError,
    );
  });
});
