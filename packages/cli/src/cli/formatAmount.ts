/**
 * An amount in wei as people read it: ether rounded to 6 significant digits (`9.26471 ether`); the integer
 * part is never rounded. `--json` output carries the exact wei.
 *
 * @example
 * formatAmount(10n ** 16n) // '0.01 ether'
 */
export function formatAmount(wei: bigint): string {
  return `${roundSignificant(toEtherDecimal(wei), 6)} ether`;
}

/** viem's formatEther, without loading viem (seconds of start-up for every command). */
function toEtherDecimal(wei: bigint): string {
  const negative = wei < 0n;
  const digits = (negative ? -wei : wei).toString().padStart(19, '0');
  const fraction = digits.slice(-18).replace(/0+$/, '');
  return `${negative ? '-' : ''}${digits.slice(0, -18)}${fraction ? `.${fraction}` : ''}`;
}

function roundSignificant(decimal: string, digits: number): string {
  const negative = decimal.startsWith('-');
  const [integer = '0', fraction = ''] = (negative ? decimal.slice(1) : decimal).split('.');
  if (integer !== '0') {
    const keep = Math.max(0, digits - integer.length);
    return `${negative ? '-' : ''}${trim(integer, fraction, keep)}`;
  }
  const leadingZeros = fraction.length - fraction.replace(/^0+/, '').length;
  return `${negative ? '-' : ''}${trim(integer, fraction, leadingZeros + digits)}`;
}

function trim(integer: string, fraction: string, keep: number): string {
  if (fraction.length <= keep) return fraction ? `${integer}.${fraction}` : integer;
  // Round half up on the decimal string, so no float ever touches an amount.
  const scaled = BigInt(`${integer}${fraction.slice(0, keep)}`) + (Number(fraction[keep]) >= 5 ? 1n : 0n);
  const text = scaled.toString().padStart(keep + 1, '0');
  const whole = text.slice(0, text.length - keep) || '0';
  const part = keep > 0 ? text.slice(text.length - keep).replace(/0+$/, '') : '';
  return part ? `${whole}.${part}` : whole;
}
