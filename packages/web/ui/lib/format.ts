const units = [
  { name: 'ETH', decimals: 18 },
  { name: 'gwei', decimals: 9 },
] as const;

/**
 * Wei (decimal string or bigint) with at most `digits` decimals in the largest unit that shows it as non-zero:
 * "0.01 ETH", "1 gwei" (a devnet fee: 0.000000001 ETH would print as "0 ETH"), "42 wei". Zero is "0 ETH".
 */
export function formatEth(wei: string | bigint, digits = 4): string {
  const value = typeof wei === 'bigint' ? wei : BigInt(wei);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const sign = negative ? '−' : '';
  if (abs === 0n) return '0 ETH';
  for (const unit of units) {
    const scale = 10n ** BigInt(unit.decimals);
    const whole = abs / scale;
    const fraction = (abs % scale)
      .toString()
      .padStart(unit.decimals, '0')
      .slice(0, digits)
      .replace(/0+$/, '');
    if (whole > 0n || fraction !== '') return `${sign}${whole}${fraction ? `.${fraction}` : ''} ${unit.name}`;
  }
  return `${sign}${abs} wei`;
}

/** 0x1234…abcd */
export function shortHex(hex: string | null | undefined, keep = 6): string {
  if (!hex) return '—';
  return hex.length > 2 * keep + 2 ? `${hex.slice(0, keep)}…${hex.slice(-4)}` : hex;
}

export function formatTime(seconds: string | number): string {
  return new Date(Number(seconds) * 1000).toLocaleTimeString();
}

export const nodeStatusNames = ['Quit', 'Available', 'Busy', 'Paused', 'Pending pause', 'Pending quit'];
export const taskTypeNames = ['SD', 'LLM', 'SD fine-tune'];
