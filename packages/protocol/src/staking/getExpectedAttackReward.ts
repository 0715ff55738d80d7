import { InvalidStakingParameterError } from './errors.js';
import { add, assertRational, compare, mul, type Rational, rational, sub } from './rational.js';
import { type SamplingRate, toSamplingRate } from './samplingRate.js';

export type GetExpectedAttackRewardParameters = {
  /** Probability that the attacker wins a validation, from getAttackSuccessProbability. */
  p: Rational;
  samplingRate: SamplingRate;
  /** Task fee k, in wei. */
  taskPrice: bigint;
  /** Stake s of one node, in wei (lost when a fake result is caught). */
  stake: bigint;
};

/**
 * The attacker's expected gain per task, E = (1−r)k + r(pk − (1−p)s), in wei, exact. Negative means the
 * Sybil attack loses money.
 *
 * @example
 * getExpectedAttackReward({ p, samplingRate: 0.1, taskPrice: 10n ** 18n, stake: 400n * 10n ** 18n })
 */
export function getExpectedAttackReward({
  p,
  samplingRate,
  taskPrice,
  stake,
}: GetExpectedAttackRewardParameters): Rational {
  const r = toSamplingRate(samplingRate);
  assertProbability(p);
  assertWei('taskPrice', taskPrice);
  assertWei('stake', stake);
  const one = rational(1n);
  const k = rational(taskPrice);
  const s = rational(stake);
  return add(mul(sub(one, r), k), mul(r, sub(mul(p, k), mul(sub(one, p), s))));
}

/** Throws InvalidStakingParameterError unless 0 <= p <= 1. */
export function assertProbability(p: Rational): void {
  assertRational('p', p);
  if (compare(p, rational(0n)) < 0 || compare(p, rational(1n)) > 0) {
    throw new InvalidStakingParameterError('p', p, 'must be a probability in [0, 1]');
  }
}

/** Throws InvalidStakingParameterError unless `value` is a bigint >= 0. */
export function assertWei(name: string, value: bigint): void {
  if (typeof value !== 'bigint' || value < 0n)
    throw new InvalidStakingParameterError(name, value, 'must be a bigint >= 0 (wei)');
}
