import type { NoiseScheduleConfig, TimestepSpacing } from './config.js';

/** Rounds half to even, as numpy's round does (diffusers rounds timesteps with it). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** numpy.linspace(start, stop, count) including stop. */
export function linspace(start: number, stop: number, count: number): number[] {
  if (count === 1) return [start];
  const step = (stop - start) / (count - 1);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? stop : start + i * step));
}

/**
 * ᾱ_t (alphas_cumprod) for every training timestep: betas linear in sqrt space ("scaled_linear") or linear,
 * computed in double precision.
 */
export function getAlphasCumprod(config: NoiseScheduleConfig): Float64Array {
  const count = config.num_train_timesteps;
  const betas =
    config.beta_schedule === 'scaled_linear'
      ? linspace(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), count).map((b) => b * b)
      : linspace(config.beta_start, config.beta_end, count);
  const alphasCumprod = new Float64Array(count);
  let product = 1;
  for (let t = 0; t < count; t++) {
    product *= 1 - betas[t]!;
    alphasCumprod[t] = product;
  }
  return alphasCumprod;
}

/** σ_t = sqrt((1 - ᾱ_t) / ᾱ_t), the noise level of the variance-exploding view of timestep t. */
export function getSigmas(alphasCumprod: Float64Array): Float64Array {
  return alphasCumprod.map((a) => Math.sqrt((1 - a) / a));
}

/** Linear interpolation of a table indexed by timestep at a fractional timestep (numpy.interp). */
export function interpolate(table: Float64Array, t: number): number {
  if (t <= 0) return table[0]!;
  if (t >= table.length - 1) return table[table.length - 1]!;
  const low = Math.floor(t);
  const fraction = t - low;
  return table[low]! + fraction * (table[low + 1]! - table[low]!);
}

/**
 * Timesteps for `steps` inference steps, in decreasing order, spaced as diffusers does:
 * - leading: (0, r, 2r, …) · r = T // steps, reversed, plus steps_offset;
 * - trailing: round(T, T - T/steps, …) - 1;
 * - linspace: round(linspace(0, T - 1, steps)) reversed (kept fractional when `fractional`).
 * `extra` (DPM-Solver) spaces steps + extra points and drops the last `extra` of them.
 */
export function getSpacedTimesteps(parameters: {
  spacing: TimestepSpacing;
  steps: number;
  trainTimesteps: number;
  stepsOffset: number;
  fractional?: boolean;
  extra?: number;
}): number[] {
  const { spacing, steps, trainTimesteps: T, stepsOffset, fractional = false, extra = 0 } = parameters;
  const count = steps + extra;
  let timesteps: number[];
  if (spacing === 'linspace') {
    timesteps = linspace(0, T - 1, count)
      .map((t) => (fractional ? t : roundHalfEven(t)))
      .reverse();
  } else if (spacing === 'leading') {
    const ratio = Math.floor(T / count);
    timesteps = Array.from({ length: count }, (_, i) => roundHalfEven(i * ratio) + stepsOffset).reverse();
  } else {
    const ratio = T / steps;
    // numpy.arange(T, 0, -ratio): ceil(-T / -ratio) values T + i·(-ratio).
    const length = Math.ceil(-T / -ratio);
    return Array.from({ length }, (_, i) => roundHalfEven(T + i * -ratio) - 1);
  }
  return timesteps.slice(0, steps);
}
