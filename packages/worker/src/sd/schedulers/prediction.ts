import type { SchedulerSettings } from './config.js';

/**
 * Dynamic thresholding (Saharia et al. 2022) of one image's predicted x₀, in place: s is the
 * `ratio`-quantile of |x₀| (linear interpolation, as torch.quantile), clamped to [1, max] (to max when max < 1,
 * as torch.clamp does), then x₀ ← clamp(x₀, −s, s) / s. The pipeline runs batch 1, so the quantile is over the
 * whole latent, as diffusers takes it per image.
 */
export function thresholdSample(x0: Float64Array, ratio: number, maxValue: number): void {
  const sorted = Float64Array.from(x0, Math.abs).sort();
  const position = ratio * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(low + 1, sorted.length - 1);
  const quantile = sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  const s = Math.min(Math.max(quantile, 1), maxValue);
  for (let i = 0; i < x0.length; i++) x0[i] = Math.min(Math.max(x0[i]!, -s), s) / s;
}

/** Applies the configured thresholding, else clip_sample, to a predicted x₀ (in place). */
export function limitPrediction(x0: Float64Array, settings: SchedulerSettings): void {
  if (settings.thresholding)
    thresholdSample(x0, settings.dynamic_thresholding_ratio, settings.sample_max_value);
  else if (settings.clip_sample) {
    const r = settings.clip_sample_range;
    for (let i = 0; i < x0.length; i++) x0[i] = Math.min(Math.max(x0[i]!, -r), r);
  }
}

/**
 * x₀ predicted from a model output at a timestep with signal scale a = sqrt(ᾱ_t) and noise scale
 * b = sqrt(1 − ᾱ_t): epsilon (x − b ε) / a, v_prediction a x − b v, sample the output itself.
 */
export function predictOriginal(
  predictionType: string,
  modelOutput: Float32Array,
  sample: Float32Array,
  a: number,
  b: number,
): Float64Array {
  const x0 = new Float64Array(sample.length);
  for (let i = 0; i < sample.length; i++) {
    const output = modelOutput[i]!;
    if (predictionType === 'epsilon') x0[i] = (sample[i]! - b * output) / a;
    else if (predictionType === 'v_prediction') x0[i] = a * sample[i]! - b * output;
    else x0[i] = output;
  }
  return x0;
}

/** The noise ε implied by a model output: epsilon itself, v: a v + b x, sample: (x − a x₀) / b. */
export function predictEpsilon(
  predictionType: string,
  modelOutput: Float32Array,
  sample: Float32Array,
  a: number,
  b: number,
): Float64Array {
  const epsilon = new Float64Array(sample.length);
  for (let i = 0; i < sample.length; i++) {
    const output = modelOutput[i]!;
    if (predictionType === 'epsilon') epsilon[i] = output;
    else if (predictionType === 'v_prediction') epsilon[i] = a * output + b * sample[i]!;
    else epsilon[i] = (sample[i]! - a * output) / b;
  }
  return epsilon;
}

/** x_t = sqrt(ᾱ_t) x₀ + sqrt(1 − ᾱ_t) ε: the forward process (DDPM-style schedulers' add_noise). */
export function addNoiseVp(original: Float32Array, noise: Float32Array, alphaCumprod: number): Float32Array {
  const a = Math.sqrt(alphaCumprod);
  const b = Math.sqrt(1 - alphaCumprod);
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = a * original[i]! + b * noise[i]!;
  return out;
}
