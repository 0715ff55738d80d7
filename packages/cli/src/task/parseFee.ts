import { UsageError } from '../cli/errors.js';
import { parseAmount } from '../cli/parseAmount.js';

/**
 * `--fee`: an amount (parseAmount) that is more than zero; the SDK refuses a zero fee too, but its message
 * names no flag.
 *
 * @example
 * parseFee('50gwei'); // 50000000000n
 */
export function parseFee(text: string): bigint {
  const fee = parseAmount('--fee', text);
  if (fee === 0n)
    throw new UsageError(
      `--fee ${text}: the fee must be more than 0 (omit --fee to pay the chain's going price).`,
    );
  return fee;
}
