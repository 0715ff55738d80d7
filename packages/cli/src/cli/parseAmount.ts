import { UsageError } from './errors.js';

const units = { ether: 18, eth: 18, gwei: 9, wei: 0 } as const;

/**
 * Reads an amount of the chain's native token: a decimal in ether by default, or with a unit (`10gwei`,
 * `0.5 ether`, `1000wei`). An amount finer than 1 wei is an error, not silently rounded to zero.
 *
 * @example
 * parseAmount('--task-price', '0.01') // 10000000000000000n
 */
export function parseAmount(flag: string, text: string): bigint {
  const match = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = (match?.[2] || 'ether').toLowerCase();
  if (!match?.[1] || !(unit in units)) {
    throw new UsageError(`${flag} must be an amount such as 0.01 (ether), 10gwei or 1000wei, got "${text}".`);
  }
  const decimals = units[unit as keyof typeof units];
  const [, fraction = ''] = match[1].split('.');
  if (fraction.replace(/0+$/, '').length > decimals) {
    throw new UsageError(
      `${flag} ${text} is finer than 1 wei (the smallest amount is 0.000000000000000001 ether).`,
    );
  }
  // Exact decimal arithmetic on the digits (the fraction is at most `decimals` long here): viem's parseUnits
  // would do the same, but loading viem costs every command seconds of start-up.
  const [whole = '', kept = ''] = match[1].split('.');
  return BigInt(`${whole || '0'}${kept.replace(/0+$/, '').padEnd(decimals, '0')}`);
}
