import { InvalidStakingParameterError } from './errors.js';
import { assertRational, fromDecimal, type Rational, rational } from './rational.js';

/**
 * A sampling rate r with 0 < r <= 1: a decimal number (0.1), an exact fraction, or the contract's
 * denominator form (`{ denominator: 10 }` is 1/10).
 */
export type SamplingRate = number | Rational | { denominator: number | bigint };

/** Reads and checks a sampling rate as an exact fraction. */
export function toSamplingRate(samplingRate: SamplingRate): Rational {
  let r: Rational;
  if (typeof samplingRate === 'number') r = fromDecimal(samplingRate);
  else if (typeof samplingRate !== 'object' || samplingRate === null) {
    // Checked here so that JavaScript callers get the typed error, not a TypeError from `in`.
    throw new InvalidStakingParameterError(
      'samplingRate',
      samplingRate,
      'expected a number, { num, den } (bigints) or { denominator }',
    );
  } else if ('denominator' in samplingRate) {
    const d: unknown = samplingRate.denominator;
    if (!(typeof d === 'bigint' || (typeof d === 'number' && Number.isSafeInteger(d)))) {
      throw new InvalidStakingParameterError('samplingRate.denominator', d, 'must be an integer');
    }
    if (BigInt(d) < 1n) throw new InvalidStakingParameterError('samplingRate.denominator', d, 'must be >= 1');
    r = rational(1n, BigInt(d));
  } else {
    assertRational('samplingRate', samplingRate);
    r = rational(samplingRate.num, samplingRate.den);
  }
  if (r.num <= 0n || r.num > r.den) {
    throw new InvalidStakingParameterError('samplingRate', samplingRate, 'must satisfy 0 < r <= 1');
  }
  return r;
}
