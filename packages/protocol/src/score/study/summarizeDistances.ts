export type DistanceSummary = { count: number; min: number; max: number; p99: number; mean: number };

/**
 * Count, min, max, 99th percentile (nearest rank) and mean of per-block Hamming distances.
 *
 * @example
 * summarizeDistances([0, 2, 4]); // { count: 3, min: 0, max: 4, p99: 4, mean: 2 }
 */
export function summarizeDistances(distances: readonly number[]): DistanceSummary {
  if (distances.length === 0)
    return { count: 0, min: Number.NaN, max: Number.NaN, p99: Number.NaN, mean: Number.NaN };
  const sorted = [...distances].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(0.99 * sorted.length));
  return {
    count: sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    p99: sorted[rank - 1]!,
    mean: sorted.reduce((sum, d) => sum + d, 0) / sorted.length,
  };
}
