import { InvalidStakingParameterError } from './errors.js';

/** An exact fraction `num / den`, always reduced, `den > 0`. */
export type Rational = { readonly num: bigint; readonly den: bigint };

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** Builds a reduced fraction; throws on a zero denominator. */
export function rational(num: bigint, den = 1n): Rational {
  if (den === 0n) throw new InvalidStakingParameterError('denominator', den, 'division by zero');
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den) || 1n;
  return { num: (sign * num) / g, den: (sign * den) / g };
}

/** Throws InvalidStakingParameterError unless `value` is a `{ num, den }` of bigints with `den != 0`. */
export function assertRational(name: string, value: unknown): asserts value is Rational {
  const candidate = value as Partial<Record<'num' | 'den', unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.num !== 'bigint' ||
    typeof candidate.den !== 'bigint' ||
    candidate.den === 0n
  ) {
    throw new InvalidStakingParameterError(
      name,
      value,
      'expected a fraction { num, den } of bigints, den != 0',
    );
  }
}

/** Exact a + b, reduced. */
export const add = (a: Rational, b: Rational): Rational =>
  rational(a.num * b.den + b.num * a.den, a.den * b.den);
/** Exact a − b, reduced. */
export const sub = (a: Rational, b: Rational): Rational =>
  rational(a.num * b.den - b.num * a.den, a.den * b.den);
/** Exact a · b, reduced. */
export const mul = (a: Rational, b: Rational): Rational => rational(a.num * b.num, a.den * b.den);
/** Exact a / b (throws on division by zero), reduced. */
export const div = (a: Rational, b: Rational): Rational => rational(a.num * b.den, a.den * b.num);
/** Orders two fractions: −1, 0 or 1. */
export const compare = (a: Rational, b: Rational): number => {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};

/** Rounds toward negative infinity. */
export function floor(a: Rational): bigint {
  const q = a.num / a.den;
  return a.num < 0n && q * a.den !== a.num ? q - 1n : q;
}

/** Rounds toward positive infinity. */
export function ceil(a: Rational): bigint {
  return -floor(rational(-a.num, a.den));
}

/** The nearest double, to within a unit or two in the last place (for display and simulation checks). */
export function toNumber(a: Rational): number {
  if (a.num === 0n) return 0;
  const negative = a.num < 0n;
  const num = negative ? -a.num : a.num;
  // Scale so the integer quotient carries 64 significant bits, whatever the magnitudes.
  const shift = 64 - (num.toString(2).length - a.den.toString(2).length);
  const q = shift >= 0 ? (num << BigInt(shift)) / a.den : num / (a.den << BigInt(-shift));
  const value = Number(q) * 2 ** -shift;
  return negative ? -value : value;
}

/**
 * Reads a decimal number exactly as written in its shortest form (0.1 is 1/10, not the binary double
 * nearest to it), so that a sampling rate of 0.1 gives the same stake as a denominator of 10.
 *
 * @example
 * fromDecimal(0.1) // { num: 1n, den: 10n }
 */
export function fromDecimal(value: number | string): Rational {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || (typeof value === 'number' && !Number.isFinite(value))) {
    throw new InvalidStakingParameterError('number', value, 'expected a finite decimal number');
  }
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let num = BigInt(`${whole}${fraction}`);
  if (sign === '-') num = -num;
  const shift = Number(exponent) - fraction.length;
  return shift >= 0 ? rational(num * 10n ** BigInt(shift), 1n) : rational(num, 10n ** BigInt(-shift));
}
