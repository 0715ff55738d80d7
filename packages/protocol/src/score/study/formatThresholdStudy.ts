import type { ThresholdStudyReport } from './runThresholdStudy.js';

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
    ...rows.map(
      (r) =>
        `| ${r.category} | ${r.name} | ${r.count} | ${r.min} | ${r.mean.toFixed(2)} | ${r.p99} | ${r.max} |`,
    ),
    '',
    `Honest maximum: ${honest.max} (p99 ${honest.p99}); unrelated minimum: ${unrelated.min} (mean ${unrelated.mean.toFixed(1)}).`,
    `Recommended threshold: ${recommendation.threshold} = honest max ${honest.max} + margin ${parameters.margin}` +
      ` (capped at 3/4 of the unrelated minimum), ${recommendation.headroom} bits below the closest unrelated pair.`,
    `A random 64-bit block falls within it with probability ${recommendation.randomFalseAcceptPerBlock.toExponential(2)}.`,
  ];
  return lines.join('\n');
}
