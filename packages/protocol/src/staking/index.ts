/**
 * Staking maths of the consensus protocol (PROTOCOL.md, "Staking maths"): the probability that a Sybil
 * attacker wins a validation group, his expected gain per task, the stake that makes it negative, and a seeded
 * Monte-Carlo simulation that checks the formula. Token amounts are wei bigints; fractions are exact.
 * See docs/staking.md.
 */
export { binomial } from './binomial.js';
export { createPrng, type Prng } from './createPrng.js';
export { InvalidStakingParameterError, UnpreventableAttackError } from './errors.js';
export { getAttackSuccessProbability, type NodeCounts } from './getAttackSuccessProbability.js';
export {
  type GetBucketRequiredStakeParameters,
  getBucketRequiredStake,
} from './getBucketRequiredStake.js';
export {
  type GetExpectedAttackRewardParameters,
  getExpectedAttackReward,
} from './getExpectedAttackReward.js';
export {
  type GetMinimumBucketPopulationParameters,
  getMinimumBucketPopulation,
} from './getMinimumBucketPopulation.js';
export { type GetRequiredStakeParameters, getRequiredStake } from './getRequiredStake.js';
export { ceil, floor, fromDecimal, type Rational, rational, toNumber } from './rational.js';
export { type SamplingRate, toSamplingRate } from './samplingRate.js';
export {
  type SimulateSybilAttackParameters,
  type SimulateSybilAttackReturnType,
  simulateSybilAttack,
} from './simulateSybilAttack.js';
export { type StakeCalcParameters, type StakeCalcReturnType, stakeCalc } from './stakeCalc.js';
