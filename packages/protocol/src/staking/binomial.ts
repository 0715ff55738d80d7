import { InvalidStakingParameterError } from './errors.js';

/**
 * The binomial coefficient C(n, k) as an exact bigint (0 when k > n).
 *
 * @example
 * binomial(5, 2) // 10n
 */
export function binomial(n: number | bigint, k: number | bigint): bigint {
  const bn = BigInt(n);
  const bk = BigInt(k);
  if (bn < 0n || bk < 0n)
    throw new InvalidStakingParameterError('binomial argument', `${n}, ${k}`, 'must be >= 0');
  if (bk > bn) return 0n;
  const kk = bk > bn - bk ? bn - bk : bk;
  let result = 1n;
  // Multiplying before dividing keeps each partial product an exact binomial coefficient.
  for (let i = 1n; i <= kk; i++) result = (result * (bn - kk + i)) / i;
  return result;
}
