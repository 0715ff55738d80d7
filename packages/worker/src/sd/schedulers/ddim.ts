import type { NoiseScheduleConfig, TimestepSpacing } from './config.js';
import { getAlphasCumprod, getSpacedTimesteps } from './noiseSchedule.js';
import type { Scheduler } from './types.js';

export type CreateDdimSchedulerParameters = {
  config: NoiseScheduleConfig;
  steps: number;
  /** Weight of the fresh noise (η in Song et al. 2021); 0 is the deterministic DDIM sampler. */
  eta?: number | undefined;
  timestepSpacing?: TimestepSpacing | undefined;
};

/**
 * DDIM (Song, Meng, Ermon 2021, eq. 12): from the predicted x₀ = (x_t − sqrt(1−ᾱ_t) ε) / sqrt(ᾱ_t),
 * x_prev = sqrt(ᾱ_prev) x₀ + sqrt(1 − ᾱ_prev − σ²) ε + σ z with σ = η sqrt((1−ᾱ_prev)/(1−ᾱ_t) (1 − ᾱ_t/ᾱ_prev)).
 * diffusers defaults: leading spacing, the previous timestep t − T/steps, and ᾱ = 1 past the end when
 * set_alpha_to_one (else ᾱ₀).
 *
 * @example
 * const ddim = createDdimScheduler({ config: defaultNoiseScheduleConfig, steps: 50 });
 */
export function createDdimScheduler({
  config,
  steps,
  eta = 0,
  timestepSpacing,
}: CreateDdimSchedulerParameters): Scheduler {
  const alphasCumprod = getAlphasCumprod(config);
  const T = config.num_train_timesteps;
  const timesteps = getSpacedTimesteps({
    spacing: timestepSpacing ?? config.timestep_spacing ?? 'leading',
    steps,
    trainTimesteps: T,
    stepsOffset: config.steps_offset,
  });
  const finalAlphaCumprod = (config.set_alpha_to_one ?? true) ? 1 : alphasCumprod[0]!;
  const stride = Math.floor(T / steps);
  return {
    timesteps,
    initNoiseSigma: 1,
    stochastic: eta > 0,
    scaleModelInput: (sample) => sample,
    step(modelOutput, index, sample, noise) {
      const t = timesteps[index]!;
      const previous = t - stride;
      const alpha = alphasCumprod[t]!;
      const alphaPrevious = previous >= 0 ? alphasCumprod[previous]! : finalAlphaCumprod;
      const variance = ((1 - alphaPrevious) / (1 - alpha)) * (1 - alpha / alphaPrevious);
      const sigma = eta * Math.sqrt(variance);
      const sqrtAlpha = Math.sqrt(alpha);
      const sqrtOneMinusAlpha = Math.sqrt(1 - alpha);
      const sqrtAlphaPrevious = Math.sqrt(alphaPrevious);
      const direction = Math.sqrt(1 - alphaPrevious - sigma * sigma);
      const z = sigma > 0 ? noise(sample.length) : undefined;
      const out = new Float32Array(sample.length);
      for (let i = 0; i < sample.length; i++) {
        const epsilon = modelOutput[i]!;
        const x0 = (sample[i]! - sqrtOneMinusAlpha * epsilon) / sqrtAlpha;
        out[i] = sqrtAlphaPrevious * x0 + direction * epsilon + (z === undefined ? 0 : sigma * z[i]!);
      }
      return out;
    },
  };
}
