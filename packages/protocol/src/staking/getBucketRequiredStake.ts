import { InvalidStakingParameterError } from './errors.js';
import { getRequiredStake } from './getRequiredStake.js';
import type { SamplingRate } from './samplingRate.js';

export type GetBucketRequiredStakeParameters = {
  /**
   * Registered nodes in the task's bucket: for an exact-match (LLM) task, the nodes of its GPU model and exact
   * worker version with at least its VRAM (NodeRegistry `exactBucketPopulation`). Image tasks draw from every
   * node able to run them, so their bucket is the whole network.
   */
  population: number;
  /**
   * Nodes of the attacker inside that bucket (default 2: the smallest pair that outvotes an honest node).
   * Sybils declare their GPU themselves, so assume he placed them in the thinnest bucket he targets.
   */
  dishonest?: number;
  samplingRate: SamplingRate;
  /** Task fee k, in wei. */
  taskPrice: bigint;
};

/**
 * The stake per node, in wei, that deters an attacker holding `dishonest` of the `population` nodes of one
 * bucket: validation groups of exact-match tasks are drawn inside the bucket, so p(h, d) is computed over
 * the bucket's population, not the network's (docs/staking.md, "Buckets"). Throws UnpreventableAttackError
 * when the bucket is so thin that the attacker wins every group (population - dishonest < 2).
 *
 * @example
 * getBucketRequiredStake({ population: 10, samplingRate: 0.1, taskPrice: 10n ** 16n }) // 9.71 task prices
 */
export function getBucketRequiredStake({
  population,
  dishonest = 2,
  samplingRate,
  taskPrice,
}: GetBucketRequiredStakeParameters): bigint {
  if (!Number.isSafeInteger(population) || population < 3) {
    throw new InvalidStakingParameterError('population', population, 'must be an integer >= 3');
  }
  if (!Number.isSafeInteger(dishonest) || dishonest < 0 || dishonest > population) {
    throw new InvalidStakingParameterError(
      'dishonest',
      dishonest,
      `must be an integer in [0, ${population}]`,
    );
  }
  return getRequiredStake({ honest: population - dishonest, dishonest, samplingRate, taskPrice });
}
