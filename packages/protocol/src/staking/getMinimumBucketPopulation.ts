import { InvalidStakingParameterError, UnpreventableAttackError } from './errors.js';
import { getBucketRequiredStake } from './getBucketRequiredStake.js';
import type { SamplingRate } from './samplingRate.js';

export type GetMinimumBucketPopulationParameters = {
  /** The stake every node holds (the registry's minStake), in wei. */
  stake: bigint;
  /** The attacker's nodes inside the bucket (default 2). */
  dishonest?: number;
  samplingRate: SamplingRate;
  /** The largest task fee the network accepts, in wei. */
  taskPrice: bigint;
  /** Give up above this population (default 1,000,000). */
  maxPopulation?: number;
};

/**
 * The smallest bucket population at which `stake` deters an attacker holding `dishonest` nodes of the bucket,
 * or null when no population up to `maxPopulation` does (the stake is below even the p = 0 bound
 * (1 - r)/r · k). The NodeRegistry's `minExactBucket` should be at least this: exact-match tasks whose bucket
 * is thinner are refused (`NodeRegistryBucketTooSmall`). The required stake falls as the population grows
 * (p(n - d, d) decreases in n), so a binary search finds it.
 *
 * @example
 * getMinimumBucketPopulation({ stake: 10n ** 17n, samplingRate: 0.1, taskPrice: 10n ** 16n }) // 10
 */
export function getMinimumBucketPopulation({
  stake,
  dishonest = 2,
  samplingRate,
  taskPrice,
  maxPopulation = 1_000_000,
}: GetMinimumBucketPopulationParameters): number | null {
  if (typeof stake !== 'bigint' || stake < 0n) {
    throw new InvalidStakingParameterError('stake', stake, 'must be a bigint >= 0 (wei)');
  }
  const low = Math.max(3, dishonest);
  if (!Number.isSafeInteger(maxPopulation) || maxPopulation < low) {
    throw new InvalidStakingParameterError('maxPopulation', maxPopulation, `must be an integer >= ${low}`);
  }
  const deters = (population: number): boolean => {
    try {
      return getBucketRequiredStake({ population, dishonest, samplingRate, taskPrice }) <= stake;
    } catch (error) {
      if (error instanceof UnpreventableAttackError) return false;
      throw error;
    }
  };
  if (!deters(maxPopulation)) return null;
  let lo = low;
  let hi = maxPopulation;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (deters(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
