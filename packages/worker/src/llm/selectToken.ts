import type { RandomStream } from '../random/index.js';

/** The decoding settings selectToken reads (the parsed `generation_config` of the task). */
export type DecodingConfig = {
  do_sample: boolean;
  temperature: number;
  top_k: number;
  top_p: number;
  min_p?: number | undefined;
  typical_p: number;
  repetition_penalty: number;
};

/**
 * Picks the next token from one row of logits. Pure apart from the random stream, and written in plain
 * float64 arithmetic so that the choice is the same on every machine for the same logits.
 *
 * Order and semantics follow Hugging Face `generate`: repetition penalty over every token seen (prompt and
 * completion: divide positive logits, multiply negative ones), then greedy argmax (lowest id on ties) or, when
 * sampling, temperature, top-k (ties with the k-th value kept), top-p (nucleus, at least one token kept),
 * min-p, typical-p, and a draw from the remaining softmax by walking ids in ascending order.
 */
export function selectToken(
  logits: Float32Array,
  seen: Iterable<number>,
  config: DecodingConfig,
  random: RandomStream,
): number {
  const scores = Float64Array.from(logits);
  if (config.repetition_penalty !== 1) {
    for (const id of new Set(seen)) {
      const s = scores[id]!;
      scores[id] = s < 0 ? s * config.repetition_penalty : s / config.repetition_penalty;
    }
  }
  if (!config.do_sample) return argmax(scores);

  for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! / config.temperature;
  if (config.top_k > 0 && config.top_k < scores.length) {
    const kth = Float64Array.from(scores).sort((a, b) => b - a)[config.top_k - 1]!;
    for (let i = 0; i < scores.length; i++) if (scores[i]! < kth) scores[i] = Number.NEGATIVE_INFINITY;
  }
  if (config.top_p < 1) {
    const probs = softmax(scores);
    // Ascending by probability, ids ascending on ties: a total order, so the cut is the same everywhere.
    const order = ascendingOrder(probs);
    let cumulative = 0;
    for (let r = 0; r < order.length - 1; r++) {
      cumulative += probs[order[r]!]!;
      if (cumulative <= 1 - config.top_p) scores[order[r]!] = Number.NEGATIVE_INFINITY;
      else break;
    }
  }
  if (config.min_p !== undefined && config.min_p > 0) {
    const probs = softmax(scores);
    const threshold = config.min_p * Math.max(...probs);
    for (let i = 0; i < probs.length; i++) if (probs[i]! < threshold) scores[i] = Number.NEGATIVE_INFINITY;
  }
  if (config.typical_p < 1) applyTypical(scores, config.typical_p);

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

function argmax(scores: Float64Array): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

function softmax(scores: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) if (s > max) max = s;
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = scores[i] === Number.NEGATIVE_INFINITY ? 0 : Math.exp(scores[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}

function ascendingOrder(values: Float64Array): number[] {
  return Array.from(values.keys()).sort((a, b) => values[a]! - values[b]! || a - b);
}

/** Typical sampling (Meister et al.): keep the tokens whose surprisal is closest to the entropy, up to mass p. */
function applyTypical(scores: Float64Array, mass: number): void {
  const probs = softmax(scores);
  let entropy = 0;
  for (const p of probs) if (p > 0) entropy -= p * Math.log(p);
  const shifted = new Float64Array(probs.length);
  for (let i = 0; i < probs.length; i++) {
    shifted[i] = probs[i]! > 0 ? Math.abs(-Math.log(probs[i]!) - entropy) : Number.POSITIVE_INFINITY;
  }
  const order = Array.from(shifted.keys()).sort((a, b) => shifted[a]! - shifted[b]! || a - b);
  let cumulative = 0;
  let keep = 0;
  for (const id of order) {
    cumulative += probs[id]!;
    if (cumulative < mass) keep++;
    else break;
  }
  // Hugging Face keeps the token that crosses the mass too (last_ind = count(cumsum < mass)).
  for (let r = keep + 1; r < order.length; r++) scores[order[r]!] = Number.NEGATIVE_INFINITY;
}
