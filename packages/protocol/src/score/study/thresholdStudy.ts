/**
 * Threshold study: per-block pHash distances for honest variations versus unrelated images.
 *
 *   node --import tsx packages/protocol/src/score/study/thresholdStudy.ts [sceneCount] [size]
 */
import { formatThresholdStudy } from './formatThresholdStudy.js';
import { runThresholdStudy } from './runThresholdStudy.js';

const sceneCount = Number(process.argv[2] ?? 16);
const size = Number(process.argv[3] ?? 512);
const started = Date.now();
const report = await runThresholdStudy({
  sceneCount,
  size,
  driftAmounts: [0.002, 0.005, 0.01, 0.02, 0.05],
  honestDriftLimit: 0.02,
  margin: 4,
  network: true,
  onProgress: (message) => console.error(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`),
});
console.log(formatThresholdStudy(report));
