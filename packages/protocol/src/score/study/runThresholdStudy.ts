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
  /** Bits added to the honest maximum for hardware this CPU study cannot reach (GPUs). */
  margin: number;
  /** Include the ONNX network rows (slower: a few convolutions per scene and configuration). */
  network: boolean;
  onProgress?: ((message: string) => void) | undefined;
};

export type ThresholdStudyRow = {
  category: 'honest' | 'drift' | 'unrelated';
  name: string;
} & DistanceSummary;

export type ThresholdStudyReport = {
  parameters: Omit<ThresholdStudyParameters, 'onProgress'>;
  rows: ThresholdStudyRow[];
  honest: DistanceSummary;
  unrelated: DistanceSummary;
  recommendation: RecommendThresholdReturnType;
};

/**
 * Measures per-block pHash Hamming distances between honest variants of the same picture and between
 * unrelated pictures, and derives a threshold from them (see docs/result-hashing.md).
 *
 * @example
 * const report = await runThresholdStudy({ sceneCount: 12, size: 512, driftAmounts: [0.01], margin: 6, network: true });
 */
export async function runThresholdStudy(parameters: ThresholdStudyParameters): Promise<ThresholdStudyReport> {
  const { sceneCount, size, driftAmounts, margin, network, onProgress } = parameters;
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
  const honestDistances: number[] = [];
  for (const variation of variations) {
    const distances: number[] = [];
    for (const [i, scene] of pixels.entries()) {
      const [a, b] = await variation.pair(scene, 5000 + i);
      distances.push(hammingDistance64(getPixelsPHash(a), getPixelsPHash(b)));
    }
    honestDistances.push(...distances);
    rows.push({ category: 'honest', name: variation.name, ...summarizeDistances(distances) });
    onProgress?.(`honest: ${variation.name}`);
  }

  for (const amount of driftAmounts) {
    const distances: number[] = [];
    for (const [i, scene] of scenes.entries()) {
      const drifted = await renderScene(perturbScene(scene, amount, 9000 + i));
      distances.push(hammingDistance64(hashes[i]!, getPixelsPHash(drifted)));
    }
    rows.push({
      category: 'drift',
      name: `simulated sampler drift ${(amount * 100).toFixed(1)} %`,
      ...summarizeDistances(distances),
    });
    onProgress?.(`drift ${amount}`);
  }

  const unrelatedDistances: number[] = [];
  for (let i = 0; i < hashes.length; i++)
    for (let j = i + 1; j < hashes.length; j++)
      unrelatedDistances.push(hammingDistance64(hashes[i]!, hashes[j]!));
  const unrelated = summarizeDistances(unrelatedDistances);
  rows.push({ category: 'unrelated', name: 'unrelated scenes (all pairs, different seeds)', ...unrelated });

  const honest = summarizeDistances(honestDistances);
  const recommendation = recommendThreshold({ honestMax: honest.max, unrelatedMin: unrelated.min, margin });
  return {
    parameters: { sceneCount, size, driftAmounts, margin, network },
    rows,
    honest,
    unrelated,
    recommendation,
  };
}
