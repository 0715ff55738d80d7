import { binomialCdf } from './recommendThreshold.js';
import type { ThresholdStudyReport } from './runThresholdStudy.js';

/** Thresholds shown in the trade-off table: the reference's 5 and 24 and the steps between. */
const CANDIDATES = [5, 8, 10, 12, 14, 16, 20, 24];

/**
 * Renders a threshold study as the Markdown table and recommendation used in docs/result-hashing.md.
 *
 * @example
 * console.log(formatThresholdStudy(await runThresholdStudy(parameters)));
 */
export function formatThresholdStudy(report: ThresholdStudyReport): string {
  const { parameters, rows, honest, unrelated, recommendation } = report;
  const lines = [
    `Scenes: ${parameters.sceneCount} at ${parameters.size}×${parameters.size}; distances are per 64-bit block.`,
    '',
    '| kind | variation | n | min | mean | p99 | max |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const kind = r.category === 'drift' && r.countedHonest ? 'drift (honest envelope)' : r.category;
      return `| ${kind} | ${r.name} | ${r.count} | ${r.min} | ${r.mean.toFixed(2)} | ${r.p99} | ${r.max} |`;
    }),
    '',
    'Trade-off per threshold t (a block matches when its distance ≤ t):',
    '',
    '| t | honest-envelope blocks > t (false slash) | all drift blocks > t | unrelated pairs ≤ t (false accept) | random block ≤ t |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...CANDIDATES.map((t) => {
      const over = (category: 'honest' | 'drift', honestOnly: boolean) =>
        rows
          .filter((r) => (honestOnly ? r.countedHonest : r.category === category))
          .flatMap((r) => r.distances)
          .filter((d) => d > t).length;
      const driftCount = rows.filter((r) => r.category === 'drift').reduce((n, r) => n + r.count, 0);
      const unrelatedWithin = rows
        .filter((r) => r.category === 'unrelated')
        .flatMap((r) => r.distances)
        .filter((d) => d <= t).length;
      return `| ${t} | ${over('honest', true)} / ${honest.count} | ${over('drift', false)} / ${driftCount} | ${unrelatedWithin} / ${unrelated.count} | ${binomialCdf(64, t).toExponential(1)} |`;
    }),
    '',
    `Honest envelope (pixel and network variations, drift up to ${(parameters.honestDriftLimit * 100).toFixed(1)} %): max ${honest.max}, p99 ${honest.p99}; unrelated: min ${unrelated.min}, mean ${unrelated.mean.toFixed(1)}.`,
    `Recommended threshold: ${recommendation.threshold} = honest-envelope max ${honest.max} + margin ${parameters.margin}` +
      ` (capped at 3/4 of the unrelated minimum), ${recommendation.headroom} bits below the closest unrelated pair.`,
    `A random 64-bit block falls within it with probability ${recommendation.randomFalseAcceptPerBlock.toExponential(2)}.`,
  ];
  return lines.join('\n');
}
