import { getPixelsPHash } from '../getPixelsPHash.js';
import { hammingDistance64 } from '../hammingDistance64.js';
import type { RawPixels } from '../types.js';
import { createNetworkVariations, type HonestVariation, pixelVariations } from './honestVariations.js';
import { type RecommendThresholdReturnType, recommendThreshold } from './recommendThreshold.js';
import { createSceneParameters, perturbScene, renderScene } from './scenes.js';
import { type DistanceSummary, summarizeDistances } from './summarizeDistances.js';
import { createTinyImageNetwork } from './tinyImageNetwork.js';

export type ThresholdStudyParameters = {
  /** Number of random scenes; unrelated pairs are all pairs of them. */
  sceneCount: number;
  /** Scene side in pixels. */
  size: number;
  /** Scene perturbation amounts for the simulated sampler-drift rows (0.01 = 1 %). */
  driftAmounts: number[];
  /**
   * Drift rows up to this amount count as honest: a stand-in for GPU-to-GPU divergence, which a CPU-only
   * study cannot produce but which the reference saw exceed 5 bits.
   */
  honestDriftLimit: number;
  /** Bits added on top of the honest envelope. */
  margin: number;
  /** Include the ONNX network rows (slower: a few convolutions per scene and configuration). */
  network: boolean;
  onProgress?: ((message: string) => void) | undefined;
};

export type ThresholdStudyRow = {
  category: 'honest' | 'drift' | 'unrelated';
  name: string;
  /** Whether the row is part of the honest envelope the threshold must cover. */
  countedHonest: boolean;
  distances: number[];
} & DistanceSummary;

export type ThresholdStudyReport = {
  parameters: Omit<ThresholdStudyParameters, 'onProgress'>;
  rows: ThresholdStudyRow[];
  /** Summary over every row counted as honest (pixel and network variations, drift up to the limit). */
  honest: DistanceSummary;
  unrelated: DistanceSummary;
  recommendation: RecommendThresholdReturnType;
};

/**
 * Measures per-block pHash Hamming distances between honest variants of the same picture and between
 * unrelated pictures, and derives a threshold from them (see docs/result-hashing.md).
 *
 * @example
 * const report = await runThresholdStudy({
 *   sceneCount: 12, size: 512, driftAmounts: [0.01, 0.02], honestDriftLimit: 0.02, margin: 4, network: true,
 * });
 */
export async function runThresholdStudy(parameters: ThresholdStudyParameters): Promise<ThresholdStudyReport> {
  const { sceneCount, size, driftAmounts, honestDriftLimit, margin, network, onProgress } = parameters;
  const scenes = Array.from({ length: sceneCount }, (_, i) => createSceneParameters(1000 + i, size, size));
  const pixels: RawPixels[] = [];
  for (const scene of scenes) pixels.push(await renderScene(scene));
  const hashes = pixels.map(getPixelsPHash);
  onProgress?.(`rendered ${sceneCount} scenes of ${size}×${size}`);

  const variations: HonestVariation[] = [...pixelVariations];
  if (network) {
    variations.push(
      ...createNetworkVariations(
        createTinyImageNetwork({ seed: 7 }),
        createTinyImageNetwork({ seed: 7, halfPrecisionWeights: true }),
      ),
    );
  }

  const rows: ThresholdStudyRow[] = [];
  const row = (
    category: ThresholdStudyRow['category'],
    name: string,
    countedHonest: boolean,
    distances: number[],
  ) => rows.push({ category, name, countedHonest, distances, ...summarizeDistances(distances) });

  for (const variation of variations) {
    const distances: number[] = [];
    for (const [i, scene] of pixels.entries()) {
      const [a, b] = await variation.pair(scene, 5000 + i);
      distances.push(hammingDistance64(getPixelsPHash(a), getPixelsPHash(b)));
    }
    row('honest', variation.name, true, distances);
    onProgress?.(`honest: ${variation.name}`);
  }

  for (const amount of driftAmounts) {
    const distances: number[] = [];
    for (const [i, scene] of scenes.entries()) {
      const drifted = await renderScene(perturbScene(scene, amount, 9000 + i));
      distances.push(hammingDistance64(hashes[i]!, getPixelsPHash(drifted)));
    }
    row(
      'drift',
      `simulated sampler drift ${(amount * 100).toFixed(1)} %`,
      amount <= honestDriftLimit,
      distances,
    );
    onProgress?.(`drift ${amount}`);
  }

  const unrelatedDistances: number[] = [];
  for (let i = 0; i < hashes.length; i++)
    for (let j = i + 1; j < hashes.length; j++)
      unrelatedDistances.push(hammingDistance64(hashes[i]!, hashes[j]!));
  row('unrelated', 'unrelated scenes (all pairs, different seeds)', false, unrelatedDistances);

  const honest = summarizeDistances(rows.filter((r) => r.countedHonest).flatMap((r) => r.distances));
  const unrelated = summarizeDistances(unrelatedDistances);
  const recommendation = recommendThreshold({ honestMax: honest.max, unrelatedMin: unrelated.min, margin });
  return {
    parameters: { sceneCount, size, driftAmounts, honestDriftLimit, margin, network },
    rows,
    honest,
    unrelated,
    recommendation,
  };
}
