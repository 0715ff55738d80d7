import { UnpreventableAttackError } from './errors.js';
import { getAttackSuccessProbability, type NodeCounts } from './getAttackSuccessProbability.js';
import { assertWei } from './getExpectedAttackReward.js';
import { add, ceil, div, mul, rational, sub } from './rational.js';
import { type SamplingRate, toSamplingRate } from './samplingRate.js';

export type GetRequiredStakeParameters = NodeCounts & {
  samplingRate: SamplingRate;
  /** Task fee k, in wei. */
  taskPrice: bigint;
};

/**
 * The smallest stake per node, in wei, at which a Sybil attacker with d of the h + d nodes expects no gain:
 * s = ((1−r)k + rpk) / (r(1−p)), rounded up so that E <= 0 at exactly this stake. Throws
 * UnpreventableAttackError when p = 1.
 *
 * @example
 * getRequiredStake({ honest: 90, dishonest: 10, samplingRate: 0.1, taskPrice: 10n ** 18n })
 */
export function getRequiredStake({
  honest,
  dishonest,
  samplingRate,
  taskPrice,
}: GetRequiredStakeParameters): bigint {
  const p = getAttackSuccessProbability({ honest, dishonest });
  const r = toSamplingRate(samplingRate);
  assertWei('taskPrice', taskPrice);
  const one = rational(1n);
  const k = rational(taskPrice);
  const denominator = mul(r, sub(one, p));
  if (denominator.num === 0n) throw new UnpreventableAttackError(honest, dishonest);
  const numerator = add(mul(sub(one, r), k), mul(mul(r, p), k));
  return ceil(div(numerator, denominator));
}
