import type { InferenceSession } from 'onnxruntime-node';

/**
 * The graph optimization level every SD session uses. Output bits change with the level, so it is part of
 * what the worker version pins. 'basic' (constant folding, redundant-node elimination) keeps the graph's own
 * operators; 'extended'/'all' add fusions and layouts (NCHWc) chosen by CPU features.
 */
export const sdGraphOptimizationLevel = 'basic' as const;

export type GetSdSessionOptionsParameters = {
  /** Intra-op threads; the outputs do not depend on it (tested). */
  threads: number;
  executionProvider: 'cpu' | 'cuda';
};

/**
 * onnxruntime session options for the Stable Diffusion graphs: pinned optimization level, explicit
 * thread counts, sequential execution, the given execution provider only (no silent CPU fallback mix).
 *
 * @example
 * const options = getSdSessionOptions({ threads: 2, executionProvider: 'cpu' });
 */
export function getSdSessionOptions({
  threads,
  executionProvider,
}: GetSdSessionOptionsParameters): InferenceSession.SessionOptions {
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  return {
    executionProviders: [executionProvider],
    graphOptimizationLevel: sdGraphOptimizationLevel,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  };
}
