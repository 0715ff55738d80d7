import { createPrng } from './createPrng.js';
import { InvalidStakingParameterError } from './errors.js';
import { assertNodeCounts, type NodeCounts } from './getAttackSuccessProbability.js';
import { toNumber } from './rational.js';
import { type SamplingRate, toSamplingRate } from './samplingRate.js';

export type SimulateSybilAttackParameters = NodeCounts & {
  /** Number of simulated tasks. */
  trials: number;
  /** PRNG seed: the same seed gives the same result. */
  seed: number;
  /** With samplingRate, taskPrice and stake, also simulate the attacker's earnings. */
  economics?: { samplingRate: SamplingRate; taskPrice: number; stake: number } | undefined;
};

export type SimulateSybilAttackReturnType = {
  /** Simulated tasks. */
  trials: number;
  /** Validation groups drawn: every trial, or only the validated ones when economics is given. */
  groups: number;
  /** Groups holding at least 2 of the attacker's nodes. */
  successes: number;
  /** successes / groups: estimates p(h, d). */
  pEstimate: number;
  /** Standard error of pEstimate. */
  standardError: number;
  /** Mean gain per task, in the units of taskPrice (when economics was given): estimates E. */
  meanReward?: number;
};

/**
 * Monte-Carlo check of the staking maths: draws validation groups of 3 distinct nodes uniformly from h honest
 * and d dishonest nodes with a seeded xoshiro128** generator and counts the groups the attacker wins
 * (2 or 3 of his nodes). With `economics`, each task is validated with probability r and pays k unvalidated,
 * k when the attacker wins the group and −s when he loses it.
 *
 * @example
 * simulateSybilAttack({ honest: 90, dishonest: 10, trials: 100_000, seed: 1 }).pEstimate // ≈ 0.0258
 */
export function simulateSybilAttack({
  honest,
  dishonest,
  trials,
  seed,
  economics,
}: SimulateSybilAttackParameters): SimulateSybilAttackReturnType {
  assertNodeCounts({ honest, dishonest });
  if (!Number.isSafeInteger(trials) || trials < 1) {
    throw new InvalidStakingParameterError('trials', trials, 'must be an integer >= 1');
  }
  const n = honest + dishonest;
  if (n > 2 ** 32) throw new InvalidStakingParameterError('honest + dishonest', n, 'must be at most 2^32');
  const prng = createPrng(seed);
  const r = economics ? toNumber(toSamplingRate(economics.samplingRate)) : 0;
  let groups = 0;
  let successes = 0;
  let totalReward = 0;
  for (let t = 0; t < trials; t++) {
    const validated = economics ? prng.nextFloat() < r : true;
    if (!validated) {
      totalReward += economics?.taskPrice ?? 0;
      continue;
    }
    groups++;
    // Three distinct indices, uniformly: draw from shrinking ranges and step over the ones already taken.
    const a = prng.nextInt(n);
    let b = prng.nextInt(n - 1);
    if (b >= a) b++;
    let c = prng.nextInt(n - 2);
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (c >= lo) c++;
    if (c >= hi) c++;
    // Nodes 0 … d−1 are the attacker's.
    const attackerNodes = (a < dishonest ? 1 : 0) + (b < dishonest ? 1 : 0) + (c < dishonest ? 1 : 0);
    const won = attackerNodes >= 2;
    if (won) successes++;
    if (economics) totalReward += won ? economics.taskPrice : -economics.stake;
  }
  const pEstimate = groups === 0 ? 0 : successes / groups;
  const result: SimulateSybilAttackReturnType = {
    trials,
    groups,
    successes,
    pEstimate,
    standardError: groups === 0 ? Number.NaN : Math.sqrt((pEstimate * (1 - pEstimate)) / groups),
  };
  if (economics) result.meanReward = totalReward / trials;
  return result;
}
