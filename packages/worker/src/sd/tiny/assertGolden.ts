import assert from 'node:assert/strict';

/**
 * Asserts that a tiny model's output hash is one of its known goldens. onnxruntime's CPU kernels differ by
 * instruction set (AVX2 vs AVX-512/AMX sum a GEMM in another order), so the same graph gives pixels that differ
 * in a few least-significant bits from one CPU family to another: each golden lists one hash per family seen.
 * Within one machine the output is exact (the tests also check runs and thread counts agree), and across
 * machines the protocol compares images by pHash distance, never by bytes (the scheduler tests' pHash goldens are
 * the same on both families).
 *
 * @param actual the sha256 (or pHash) hex of the output
 * @param accepted the goldens: [AVX2 machines, AVX-512/AMX machines]
 */
export function assertGolden(actual: string, accepted: readonly string[], what = 'output'): void {
  assert.ok(
    accepted.includes(actual),
    `${what} ${actual} is none of the known goldens (${accepted.join(', ')}): the pipeline's output changed, or this CPU family gives other least-significant bits (then add it, after checking the image by eye)`,
  );
}
