/** Percentile `p` (0…100) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** `1234.5` → `"1,235 ms"`. */
export const formatMs = (ms: number) => `${Math.round(ms).toLocaleString('en-US')} ms`;
