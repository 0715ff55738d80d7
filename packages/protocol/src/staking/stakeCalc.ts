import { InvalidStakingParameterError, UnpreventableAttackError } from './errors.js';
import { getAttackSuccessProbability, type NodeCounts } from './getAttackSuccessProbability.js';
import { getExpectedAttackReward } from './getExpectedAttackReward.js';
import { getRequiredStake } from './getRequiredStake.js';
import { floor, type Rational, toNumber } from './rational.js';
import { type SamplingRate, toSamplingRate } from './samplingRate.js';

export type StakeCalcParameters = NodeCounts & {
  /** Sampling rate r (0.1 = 10%, or `{ denominator: 10 }` as the contract stores it). */
  samplingRate: SamplingRate;
  /** Task fee k, in wei. */
  taskPrice: bigint;
};

export type StakeCalcReturnType = {
  /** Probability that the attacker wins a validation, as a double. */
  p: number;
  /** The same, exact. */
  pExact: Rational;
  /** Sampling rate as a double. */
  samplingRate: number;
  /** Smallest stake per node (wei) that makes the attack unprofitable; null when none does (p = 1). */
  requiredStake: bigint | null;
  /** The attacker's expected gain per task (wei, rounded down) if every node stakes `stake`. */
  expectedAttackReward(stake: bigint): bigint;
};

/**
 * The staking calculator behind `verinet stake-calc`: the attack success probability for a network of h honest
 * and d dishonest nodes, the stake that deters it, and the attacker's expected gain at any stake.
 *
 * @example
 * const { p, requiredStake } = stakeCalc({ honest: 90, dishonest: 10, samplingRate: 0.1, taskPrice: parseEther('0.01') });
 */
export function stakeCalc(parameters: StakeCalcParameters): StakeCalcReturnType {
  if (typeof parameters !== 'object' || parameters === null) {
    throw new InvalidStakingParameterError(
      'parameters',
      parameters,
      'expected { honest, dishonest, samplingRate, taskPrice }',
    );
  }
  const { honest, dishonest, samplingRate, taskPrice } = parameters;
  const pExact = getAttackSuccessProbability({ honest, dishonest });
  const r = toSamplingRate(samplingRate);
  let requiredStake: bigint | null;
  try {
    requiredStake = getRequiredStake({ honest, dishonest, samplingRate: r, taskPrice });
  } catch (error) {
    if (!(error instanceof UnpreventableAttackError)) throw error;
    requiredStake = null;
  }
  return {
    p: toNumber(pExact),
    pExact,
    samplingRate: toNumber(r),
    requiredStake,
    expectedAttackReward: (stake) =>
      floor(getExpectedAttackReward({ p: pExact, samplingRate: r, taskPrice, stake })),
  };
}
