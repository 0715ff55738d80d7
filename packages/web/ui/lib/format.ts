/** Wei (decimal string or bigint) as ether with at most `digits` decimals, e.g. "0.01 ETH". */
export function formatEth(wei: string | bigint, digits = 4): string {
  const value = typeof wei === 'bigint' ? wei : BigInt(wei);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 10n ** 18n;
  const fraction = (abs % 10n ** 18n).toString().padStart(18, '0').slice(0, digits).replace(/0+$/, '');
  return `${negative ? '−' : ''}${whole}${fraction ? `.${fraction}` : ''} ETH`;
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
