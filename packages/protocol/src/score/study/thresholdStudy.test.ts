import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatThresholdStudy } from './formatThresholdStudy.js';
import { binomialCdf, recommendThreshold } from './recommendThreshold.js';
import { runThresholdStudy } from './runThresholdStudy.js';
import { summarizeDistances } from './summarizeDistances.js';
import { roundToFloat16 } from './tinyImageNetwork.js';

test('summarizeDistances reports min, max, nearest-rank p99 and mean', () => {
  assert.deepEqual(summarizeDistances([4, 0, 2]), { count: 3, min: 0, max: 4, p99: 4, mean: 2 });
  const many = Array.from({ length: 200 }, (_, i) => (i < 198 ? 1 : 9));
  assert.equal(summarizeDistances(many).p99, 1);
  assert.equal(summarizeDistances(many).max, 9);
  assert.ok(Number.isNaN(summarizeDistances([]).max));
});

test('recommendThreshold adds the margin but stays well below unrelated images', () => {
  assert.equal(recommendThreshold({ honestMax: 4, unrelatedMin: 26, margin: 6 }).threshold, 10);
  assert.equal(recommendThreshold({ honestMax: 4, unrelatedMin: 26, margin: 6 }).headroom, 16);
  // Capped at 3/4 of the closest unrelated pair when honest and unrelated distances crowd each other.
  assert.equal(recommendThreshold({ honestMax: 14, unrelatedMin: 20, margin: 6 }).threshold, 15);
  assert.equal(recommendThreshold({ honestMax: 0, unrelatedMin: 1, margin: 6 }).threshold, 0);
});

test('binomialCdf gives the chance a random block lands within a threshold', () => {
  assert.ok(Math.abs(binomialCdf(64, 64) - 1) < 1e-12);
  assert.equal(binomialCdf(64, 0), 2 ** -64);
  assert.ok(Math.abs(binomialCdf(64, 32) - 0.5497) < 1e-4);
});

test('roundToFloat16 rounds to the nearest half-precision value', () => {
  assert.equal(roundToFloat16(1), 1);
  assert.equal(roundToFloat16(0.1), 0.0999755859375);
  assert.equal(roundToFloat16(2049), 2048); // tie → even mantissa
  assert.equal(roundToFloat16(2051), 2052);
  assert.equal(roundToFloat16(-1e-6), -0.0000010132789611816406); // subnormal spacing 2^-24
});

test('runThresholdStudy separates honest variations from unrelated images', async () => {
  const report = await runThresholdStudy({
    sceneCount: 3,
    size: 64,
    driftAmounts: [0.01, 0.5],
    honestDriftLimit: 0.02,
    margin: 4,
    network: true,
  });
  const honestRows = report.rows.filter((r) => r.category === 'honest');
  assert.equal(honestRows.length, 11);
  assert.ok(honestRows.every((r) => r.count === 3 && r.countedHonest));
  assert.equal(report.rows.find((r) => r.category === 'unrelated')!.count, 3);
  assert.equal(report.honest.count, 11 * 3 + 3);
  assert.ok(
    report.honest.max < report.unrelated.min,
    `honest ${report.honest.max} vs unrelated ${report.unrelated.min}`,
  );
  const { threshold } = report.recommendation;
  assert.ok(threshold >= report.honest.max && threshold < report.unrelated.min);
  // Heavy drift is reported but stays outside the honest envelope the threshold is built from.
  const heavy = report.rows.find((r) => r.name.includes('50.0 %'))!;
  assert.equal(heavy.countedHonest, false);
  assert.ok(heavy.mean > report.rows.find((r) => r.name.includes('1.0 %'))!.mean);
  const text = formatThresholdStudy(report);
  assert.match(text, /\| honest \| JPEG q75 re-encode \| 3 \|/);
  assert.match(text, /\| 24 \| 0 \/ 36 \|/);
});
