import type { SchedulerSettings, TimestepSpacing } from './config.js';
import { getAlphasCumprod, getSpacedTimesteps } from './noiseSchedule.js';
import { addNoiseVp, limitPrediction, predictEpsilon, predictOriginal } from './prediction.js';
import type { Scheduler } from './types.js';

export type CreateDdimSchedulerParameters = {
  settings: SchedulerSettings;
  steps: number;
  /** Weight of the fresh noise (η in Song et al. 2021); 0 is the deterministic DDIM sampler. */
  eta?: number | undefined;
};

/**
 * DDIM (Song, Meng, Ermon 2021, eq. 12): from the predicted x₀ (clipped to ±clip_sample_range or dynamically
 * thresholded when configured) and ε, x_prev = sqrt(ᾱ_prev) x₀ + sqrt(1 − ᾱ_prev − σ²) ε + σ z with
 * σ = η sqrt((1−ᾱ_prev)/(1−ᾱ_t) (1 − ᾱ_t/ᾱ_prev)). The previous timestep is t − T/steps (integer division) and
 * ᾱ = 1 past the end if set_alpha_to_one, else ᾱ₀; ε stays the model's (diffusers' default
 * use_clipped_model_output = false).
 *
 * @example
 * const ddim = createDdimScheduler({ settings, steps: 50 });
 */
export function createDdimScheduler({ settings, steps, eta = 0 }: CreateDdimSchedulerParameters): Scheduler {
  const alphasCumprod = getAlphasCumprod(settings);
  const T = settings.num_train_timesteps;
  const timesteps = getSpacedTimesteps({
    spacing: settings.timestep_spacing as TimestepSpacing,
    steps,
    trainTimesteps: T,
    stepsOffset: settings.steps_offset,
  });
  const finalAlphaCumprod = settings.set_alpha_to_one ? 1 : alphasCumprod[0]!;
  const stride = Math.floor(T / steps);
  return {
    timesteps,
    initNoiseSigma: 1,
    stochastic: eta > 0,
    scaleModelInput: (sample) => sample,
    addNoise: (original, noise, index) => addNoiseVp(original, noise, alphasCumprod[timesteps[index]!]!),
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
      const type = settings.prediction_type;
      const x0 = predictOriginal(type, modelOutput, sample, sqrtAlpha, sqrtOneMinusAlpha);
      const epsilon = predictEpsilon(type, modelOutput, sample, sqrtAlpha, sqrtOneMinusAlpha);
      limitPrediction(x0, settings);
      const z = sigma > 0 ? noise(sample.length) : undefined;
      const out = new Float32Array(sample.length);
      for (let i = 0; i < sample.length; i++)
        out[i] = sqrtAlphaPrevious * x0[i]! + direction * epsilon[i]! + (z === undefined ? 0 : sigma * z[i]!);
      return out;
    },
  };
}
