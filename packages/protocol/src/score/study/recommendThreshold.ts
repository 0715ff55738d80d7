export type RecommendThresholdParameters = {
  /** Largest distance seen between honest results of the same task. */
  honestMax: number;
  /** Smallest distance seen between unrelated images. */
  unrelatedMin: number;
  /** Extra bits above the honest maximum for hardware we could not measure (GPUs). */
  margin: number;
};
export type RecommendThresholdReturnType = {
  threshold: number;
  /** unrelatedMin - threshold: how far the threshold stays below the closest unrelated pair. */
  headroom: number;
  /** P(a 64-bit block of an unrelated image, modelled as 64 fair coin flips, is within the threshold). */
  randomFalseAcceptPerBlock: number;
};

/**
 * Threshold = honest maximum + margin, capped so it stays at least a quarter of the unrelated minimum
 * below it (never above unrelatedMin - 1). The trade-off: every bit above the honest maximum lowers the
 * chance of slashing an honest node whose hardware differs, and raises the chance that a different
 * (cheaper, wrong) image is accepted.
 *
 * @example
 * recommendThreshold({ honestMax: 6, unrelatedMin: 18, margin: 6 }); // { threshold: 12, ... }
 */
export function recommendThreshold({
  honestMax,
  unrelatedMin,
  margin,
}: RecommendThresholdParameters): RecommendThresholdReturnType {
  const ceiling = Math.max(0, Math.min(unrelatedMin - 1, Math.floor(unrelatedMin * 0.75)));
  const threshold = Math.max(0, Math.min(honestMax + margin, ceiling));
  return {
    threshold,
    headroom: unrelatedMin - threshold,
    randomFalseAcceptPerBlock: binomialCdf(64, threshold),
  };
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
export function binomialCdf(n: number, k: number): number {
  let term = 2 ** -n;
  let total = 0;
  for (let i = 0; i <= Math.min(k, n); i++) {
    total += term;
    term = (term * (n - i)) / (i + 1);
  }
  return total;
}
