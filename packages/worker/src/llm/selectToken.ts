import type { RandomStream } from '../random/index.js';
import { argmaxIndex, type DecodingConfig, processLogits, softmax } from './processLogits.js';

export type { DecodingConfig } from './processLogits.js';

/**
 * Picks the next token from one row of logits. Pure apart from the random stream, and written in plain
 * float64 arithmetic so that the choice is the same on every machine for the same logits.
 *
 * The logits go through transformers' processors (`processLogits`: repetition penalty, then when sampling
 * temperature, top-k, top-p, min-p, typical-p); greedy decoding takes the argmax (lowest id on ties), sampling
 * draws from the softmax of what remains by walking ids in ascending order against one uniform draw of the
 * task's Philox stream.
 */
export function selectToken(
  logits: Float32Array,
  seen: Iterable<number>,
  config: DecodingConfig,
  random: RandomStream,
): number {
  const scores = processLogits(logits, seen, config);
  if (!config.do_sample) return argmaxIndex(scores);
  const probs = softmax(scores);
  const target = random.nextOpenUnit();
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p === 0) continue;
    cumulative += p;
    last = i;
    if (target < cumulative) return i;
  }
  // Rounding left the total just under 1 and the draw above it: the last live token.
  return last;
}
