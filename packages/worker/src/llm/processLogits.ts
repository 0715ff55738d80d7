/** The decoding settings the logits processors read: the effective generation config of a task. */
export type DecodingConfig = {
  do_sample: boolean;
  temperature: number;
  top_k: number;
  top_p: number;
  /** null (or absent): the min-p processor is not applied, as transformers does for `min_p: None`. */
  min_p?: number | null | undefined;
  typical_p: number;
  repetition_penalty: number;
};

const removed = Number.NEGATIVE_INFINITY;

/**
 * Applies Hugging Face transformers' logits processors to one row of logits, in the order `generate` applies
 * them, and returns the processed scores (float64, removed tokens at -Infinity):
 *
 * 1. repetition penalty (always, also when greedy) over every id in `seen` (prompt and completion): a
 *    negative logit is multiplied by the penalty, any other divided by it;
 * 2. when sampling only: temperature (divide), top-k, top-p, min-p, typical-p, each applied to the output
 *    of the one before, each only when transformers would add it (temperature ≠ 1, top_k ≠ 0, top_p < 1,
 *    min_p set, typical_p < 1), keeping at least one token (`min_tokens_to_keep = 1`).
 *
 * Tie rules, where transformers' own rule leaves a choice to the sort, are fixed here so that every node cuts
 * in the same place: top-k keeps every token whose score equals the k-th largest (`scores < kth` is removed);
 * typical-p keeps every token whose shifted score equals the boundary's (`shifted > boundary` is removed);
 * top-p walks the tokens in ascending (score, id) order, the order a stable ascending sort gives, so of two
 * tied tokens at the boundary the lower id is removed first.
 *
 * @example
 * const scores = processLogits(logits, promptAndCompletion, { do_sample: true, temperature: 0.7, top_k: 20, top_p: 0.8, typical_p: 1, repetition_penalty: 1.05 });
 */
export function processLogits(
  logits: ArrayLike<number>,
  seen: Iterable<number>,
  config: DecodingConfig,
): Float64Array {
  const scores = Float64Array.from(logits);
  if (config.repetition_penalty !== 1) applyRepetitionPenalty(scores, seen, config.repetition_penalty);
  if (!config.do_sample) return scores;
  if (config.temperature !== 1)
    for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! / config.temperature;
  if (config.top_k !== 0) applyTopK(scores, config.top_k);
  if (config.top_p < 1) applyTopP(scores, config.top_p);
  if (config.min_p !== undefined && config.min_p !== null) applyMinP(scores, config.min_p);
  if (config.typical_p < 1) applyTypicalP(scores, config.typical_p);
  return scores;
}

function applyRepetitionPenalty(scores: Float64Array, seen: Iterable<number>, penalty: number): void {
  for (const id of new Set(seen)) {
    if (id < 0 || id >= scores.length) continue;
    const s = scores[id]!;
    scores[id] = s < 0 ? s * penalty : s / penalty;
  }
}

/** Removes every score below the k-th largest; ties with the k-th are kept. */
function applyTopK(scores: Float64Array, topK: number): void {
  const k = Math.min(Math.max(topK, 1), scores.length);
  const kth = Float64Array.from(scores).sort().at(-k)!;
  for (let i = 0; i < scores.length; i++) if (scores[i]! < kth) scores[i] = removed;
}

/** Nucleus: removes the low tail whose cumulative probability is at most 1 − p; the top token is kept. */
function applyTopP(scores: Float64Array, topP: number): void {
  const order = ascendingOrder(scores);
  const probs = softmax(scores);
  const limit = 1 - topP;
  let cumulative = 0;
  // The last (largest) token is always kept: min_tokens_to_keep = 1.
  for (let r = 0; r < order.length - 1; r++) {
    cumulative += probs[order[r]!]!;
    if (cumulative <= limit) scores[order[r]!] = removed;
    else break;
  }
}

/** Removes tokens whose probability is below min_p times the top probability. */
function applyMinP(scores: Float64Array, minP: number): void {
  const probs = softmax(scores);
  let top = 0;
  for (const p of probs) if (p > top) top = p;
  const threshold = minP * top;
  const best = argmaxIndex(scores);
  for (let i = 0; i < probs.length; i++) if (probs[i]! < threshold && i !== best) scores[i] = removed;
}

/**
 * Locally typical sampling (Meister et al.) as transformers' TypicalLogitsWarper: tokens ordered by
 * |−log p − H|; the boundary is the first token at which the cumulative probability reaches the mass; every
 * token whose shifted score is above the boundary's is removed (so all tokens tied with it stay), and the
 * most typical token is always kept.
 */
function applyTypicalP(scores: Float64Array, mass: number): void {
  const logZ = logSumExp(scores);
  const normalized = scores.map((s) => s - logZ);
  let entropy = 0;
  for (const n of normalized) if (n !== removed) entropy -= n * Math.exp(n);
  const shifted = normalized.map((n) => Math.abs(-n - entropy));
  const order = Array.from(shifted.keys()).sort((a, b) => shifted[a]! - shifted[b]! || a - b);
  let cumulative = 0;
  let lastIndex = 0;
  for (const id of order) {
    cumulative += Math.exp(normalized[id]!);
    if (cumulative < mass) lastIndex++;
    else break;
  }
  lastIndex = Math.min(lastIndex, order.length - 1);
  const boundary = shifted[order[lastIndex]!]!;
  for (let r = 1; r < order.length; r++) {
    const id = order[r]!;
    if (shifted[id]! > boundary) scores[id] = removed;
  }
}

/** Index of the largest score, the lowest index on ties (torch.argmax's rule). */
export function argmaxIndex(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

function logSumExp(scores: Float64Array): number {
  let max = removed;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (const s of scores) if (s !== removed) sum += Math.exp(s - max);
  return max + Math.log(sum);
}

/** Softmax in float64; removed tokens get probability 0. */
export function softmax(scores: Float64Array): Float64Array {
  let max = removed;
  for (const s of scores) if (s > max) max = s;
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = scores[i] === removed ? 0 : Math.exp(scores[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}

function ascendingOrder(values: Float64Array): number[] {
  return Array.from(values.keys()).sort((a, b) => values[a]! - values[b]! || a - b);
}
