import { binomial } from './binomial.js';
import { InvalidStakingParameterError } from './errors.js';
import { type Rational, rational } from './rational.js';

export type NodeCounts = {
  /** Honest nodes in the network, h >= 0. */
  honest: number;
  /** Nodes the attacker runs, d >= 0; h + d >= 3 (a validation group needs three nodes). */
  dishonest: number;
};

/** Checks h and d: integers >= 0 with h + d >= 3. */
export function assertNodeCounts(counts: NodeCounts): void {
  if (typeof counts !== 'object' || counts === null) {
    throw new InvalidStakingParameterError('node counts', counts, 'expected { honest, dishonest }');
  }
  const { honest, dishonest } = counts;
  for (const [name, value] of [
    ['honest', honest],
    ['dishonest', dishonest],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidStakingParameterError(name, value, 'must be an integer >= 0');
    }
  }
  if (honest + dishonest < 3) {
    throw new InvalidStakingParameterError(
      'honest + dishonest',
      honest + dishonest,
      'a validation group needs 3 nodes',
    );
  }
}

/**
 * The probability that a validation group of 3 nodes drawn from h honest and d dishonest nodes holds at
 * least 2 of the attacker's, so his identical fake results win: p(h, d) = (C(d,2)·C(h,1) + C(d,3)) / C(d+h,3).
 * Exact.
 *
 * @example
 * getAttackSuccessProbability({ honest: 90, dishonest: 10 }) // { num: 139n, den: 5390n } ≈ 0.0258
 */
export function getAttackSuccessProbability(counts: NodeCounts): Rational {
  assertNodeCounts(counts);
  const { honest: h, dishonest: d } = counts;
  return rational(binomial(d, 2) * binomial(h, 1) + binomial(d, 3), binomial(d + h, 3));
}
