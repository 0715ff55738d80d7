import type { TimestepSpacing } from './config.js';
import { portableCosHalfPi, portableExp, portableLog, portablePow } from './portableMath.js';

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

/** The keys of a scheduler config that define the training noise schedule. */
export type BetaScheduleConfig = {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: string;
  trained_betas?: readonly number[] | null | undefined;
  rescale_betas_zero_snr?: boolean | undefined;
};

/**
 * β_t for every training timestep: `trained_betas` when given, else linear, scaled_linear (linear in sqrt
 * space) or squaredcos_cap_v2 (the GLIDE cosine schedule, ᾱ(t) = cos²((t + 0.008) / 1.008 · π/2), each β
 * capped at 0.999), then rescaled to zero terminal SNR when asked (Lin et al. 2023, Algorithm 1).
 */
export function getBetas(config: BetaScheduleConfig): number[] {
  const count = config.num_train_timesteps;
  let betas: number[];
  if (config.trained_betas) betas = [...config.trained_betas];
  else if (config.beta_schedule === 'scaled_linear')
    betas = linspace(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), count).map((b) => b * b);
  else if (config.beta_schedule === 'linear') betas = linspace(config.beta_start, config.beta_end, count);
  else if (config.beta_schedule === 'squaredcos_cap_v2') {
    const alphaBar = (t: number) => {
      const c = portableCosHalfPi((t + 0.008) / 1.008);
      return c * c;
    };
    betas = Array.from({ length: count }, (_, i) =>
      Math.min(1 - alphaBar((i + 1) / count) / alphaBar(i / count), 0.999),
    );
  } else throw new RangeError(`beta_schedule "${config.beta_schedule}" is not implemented`);
  return config.rescale_betas_zero_snr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** Shifts and scales sqrt(ᾱ) so that the last timestep has zero SNR and the first is unchanged. */
export function rescaleZeroTerminalSnr(betas: readonly number[]): number[] {
  const sqrtBar: number[] = [];
  let product = 1;
  for (const beta of betas) {
    product *= 1 - beta;
    sqrtBar.push(Math.sqrt(product));
  }
  const first = sqrtBar[0]!;
  const last = sqrtBar[sqrtBar.length - 1]!;
  const bar = sqrtBar.map((a) => {
    const shifted = (a - last) * (first / (first - last));
    return shifted * shifted;
  });
  return bar.map((a, i) => 1 - (i === 0 ? a : a / bar[i - 1]!));
}

/**
 * ᾱ_t (alphas_cumprod) for every training timestep, in double precision. `zeroSnrFloor`: the σ-space
 * samplers (Euler, Euler ancestral, DPM-Solver) replace a zero terminal ᾱ by 2^−24, as diffusers does, so that
 * σ_max stays finite.
 */
export function getAlphasCumprod(
  config: BetaScheduleConfig,
  { zeroSnrFloor = false }: { zeroSnrFloor?: boolean } = {},
): Float64Array {
  const betas = getBetas(config);
  const alphasCumprod = new Float64Array(betas.length);
  let product = 1;
  for (let t = 0; t < betas.length; t++) {
    product *= 1 - betas[t]!;
    alphasCumprod[t] = product;
  }
  if (zeroSnrFloor && config.rescale_betas_zero_snr) alphasCumprod[betas.length - 1] = 2 ** -24;
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
 * The fractional training timestep of a σ: linear interpolation of log σ between the two training
 * timesteps around it, clamped to the table (diffusers' `_sigma_to_t`).
 */
export function sigmaToTimestep(sigma: number, logSigmas: Float64Array): number {
  const logSigma = portableLog(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i]! >= 0) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const lowLog = logSigmas[low]!;
  const highLog = logSigmas[low + 1]!;
  const w = Math.min(Math.max((lowLog - logSigma) / (lowLog - highLog), 0), 1);
  return (1 - w) * low + w * (low + 1);
}

/** log σ of every training timestep, with our portable logarithm. */
export function getLogSigmas(sigmas: Float64Array): Float64Array {
  return sigmas.map((s) => portableLog(s));
}

/** Karras et al. 2022 (eq. 5, ρ = 7): σ_i = (σ_max^{1/ρ} + i/(n−1) (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ. */
export function getKarrasSigmas(sigmaMin: number, sigmaMax: number, count: number): number[] {
  const minInvRho = portablePow(sigmaMin, 1 / 7);
  const maxInvRho = portablePow(sigmaMax, 1 / 7);
  return linspace(0, 1, count).map((ramp) => {
    const b = maxInvRho + ramp * (minInvRho - maxInvRho);
    const b2 = b * b;
    return b2 * b2 * b2 * b;
  });
}

/** σ spaced evenly in log σ from σ_max to σ_min (diffusers' exponential sigmas). */
export function getExponentialSigmas(sigmaMin: number, sigmaMax: number, count: number): number[] {
  return linspace(portableLog(sigmaMax), portableLog(sigmaMin), count).map(portableExp);
}

/** Lu et al. 2022 (DPM-Solver's uniform-λ schedule): log σ ramped linearly from log σ_max to log σ_min. */
export function getLuSigmas(sigmaMin: number, sigmaMax: number, count: number): number[] {
  const lambdaMax = portableLog(sigmaMax);
  const lambdaMin = portableLog(sigmaMin);
  return linspace(0, 1, count).map((ramp) => portableExp(lambdaMax + ramp * (lambdaMin - lambdaMax)));
}

/**
 * Timesteps for `steps` inference steps, in decreasing order, spaced as diffusers does:
 * - leading: (0, r, 2r, …) · r = last // steps, reversed, plus steps_offset;
 * - trailing: round(last, last - T/steps, …) - 1;
 * - linspace: round(linspace(0, last - 1, steps)) reversed (kept fractional when `fractional`).
 * `last` is the training length T unless DPM-Solver's lambda_min_clipped cuts it. `extra` (DPM-Solver) spaces
 * steps + extra points and drops the last `extra` of them.
 */
export function getSpacedTimesteps(parameters: {
  spacing: TimestepSpacing;
  steps: number;
  trainTimesteps: number;
  stepsOffset: number;
  fractional?: boolean;
  extra?: number;
  lastTimestep?: number;
}): number[] {
  const { spacing, steps, trainTimesteps: T, stepsOffset, fractional = false, extra = 0 } = parameters;
  const last = parameters.lastTimestep ?? T;
  const count = steps + extra;
  let timesteps: number[];
  if (spacing === 'linspace') {
    timesteps = linspace(0, last - 1, count)
      .map((t) => (fractional ? t : roundHalfEven(t)))
      .reverse();
  } else if (spacing === 'leading') {
    const ratio = Math.floor(last / count);
    timesteps = Array.from({ length: count }, (_, i) => roundHalfEven(i * ratio) + stepsOffset).reverse();
  } else {
    const ratio = T / steps;
    // numpy.arange(last, 0, -ratio): ceil(-last / -ratio) values last + i·(-ratio).
    const length = Math.ceil(-last / -ratio);
    return Array.from({ length }, (_, i) => roundHalfEven(last + i * -ratio) - 1);
  }
  return timesteps.slice(0, steps);
}
