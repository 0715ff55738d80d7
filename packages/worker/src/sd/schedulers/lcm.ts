import type { SchedulerSettings } from './config.js';
import { getAlphasCumprod } from './noiseSchedule.js';
import { addNoiseVp, limitPrediction, predictOriginal } from './prediction.js';
import type { Scheduler } from './types.js';

export type CreateLcmSchedulerParameters = {
  settings: SchedulerSettings;
  steps: number;
};

/**
 * Latent Consistency Model multistep sampling (Luo et al. 2023, Algorithm 1): the training schedule
 * t = k·(T / original_steps) − 1 (k = 1 … original_steps) is reversed and `steps` entries are taken at
 * floor(linspace(0, original_steps, steps, endpoint = false)). At each step the consistency function gives
 * x₀' = c_out x₀ + c_skip x with c_skip = σ_d² / ((s t)² + σ_d²), c_out = s t / sqrt((s t)² + σ_d²), σ_d = 0.5,
 * s = timestep_scaling (x₀ clipped or thresholded first when configured); the next latents re-noise it to the
 * next timestep with fresh noise (the last step returns x₀'). timestep_spacing and steps_offset are not used,
 * as in diffusers.
 *
 * @example
 * const lcm = createLcmScheduler({ settings, steps: 4 }); // 999, 759, 499, 259
 */
export function createLcmScheduler({ settings, steps }: CreateLcmSchedulerParameters): Scheduler {
  const alphasCumprod = getAlphasCumprod(settings);
  const T = settings.num_train_timesteps;
  const originalInferenceSteps = settings.original_inference_steps;
  const timestepScaling = settings.timestep_scaling;
  const k = Math.floor(T / originalInferenceSteps);
  const origin = Array.from({ length: originalInferenceSteps }, (_, i) => (i + 1) * k - 1).reverse();
  if (steps > originalInferenceSteps)
    throw new RangeError(`LCM takes at most ${originalInferenceSteps} steps`);
  // numpy.linspace(0, n, steps, endpoint=False) is i · (n / steps), floored to an index.
  const spacing = originalInferenceSteps / steps;
  const timesteps = Array.from({ length: steps }, (_, i) => origin[Math.floor(i * spacing)]!);
  const finalAlphaCumprod = settings.set_alpha_to_one ? 1 : alphasCumprod[0]!;
  const sigmaData = 0.5;
  return {
    timesteps,
    initNoiseSigma: 1,
    stochastic: steps > 1,
    scaleModelInput: (sample) => sample,
    addNoise: (original, noise, index) => addNoiseVp(original, noise, alphasCumprod[timesteps[index]!]!),
    step(modelOutput, index, sample, noise) {
      const t = timesteps[index]!;
      const isLast = index === timesteps.length - 1;
      const previous = isLast ? t : timesteps[index + 1]!;
      const alpha = alphasCumprod[t]!;
      const alphaPrevious = previous >= 0 ? alphasCumprod[previous]! : finalAlphaCumprod;
      const scaled = t * timestepScaling;
      const cSkip = (sigmaData * sigmaData) / (scaled * scaled + sigmaData * sigmaData);
      const cOut = scaled / Math.sqrt(scaled * scaled + sigmaData * sigmaData);
      const x0 = predictOriginal(
        settings.prediction_type,
        modelOutput,
        sample,
        Math.sqrt(alpha),
        Math.sqrt(1 - alpha),
      );
      limitPrediction(x0, settings);
      const z = isLast ? undefined : noise(sample.length);
      const out = new Float32Array(sample.length);
      for (let i = 0; i < sample.length; i++) {
        const denoised = Math.fround(cOut * x0[i]! + cSkip * sample[i]!);
        out[i] =
          z === undefined
            ? denoised
            : Math.sqrt(alphaPrevious) * denoised + Math.sqrt(1 - alphaPrevious) * z[i]!;
      }
      return out;
    },
  };
}
