import { bytesToBigInt } from './encoding.js';
import { VrfInvalidDenominatorError } from './errors.js';
import { type BytesLike, toBytes } from './toBytes.js';

/**
 * Whether a VRF output selects the task for validation: `uint256(beta) % samplingDenominator == 0`,
 * the same rule the TaskManager applies.
 *
 * @example
 * isSelected(beta, 10n); // true for about one task in ten
 */
export function isSelected(beta: BytesLike, samplingDenominator: bigint | number): boolean {
  const denominator =
    typeof samplingDenominator === 'number' ? toBigInt(samplingDenominator) : samplingDenominator;
  if (typeof denominator !== 'bigint' || denominator <= 0n) {
    throw new VrfInvalidDenominatorError({ denominator: samplingDenominator });
  }
  return bytesToBigInt(toBytes(beta, 'beta')) % denominator === 0n;
}

function toBigInt(value: number): bigint | undefined {
  return Number.isSafeInteger(value) ? BigInt(value) : undefined;
}
