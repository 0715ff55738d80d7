import type { SchedulerSettings, TimestepSpacing } from './config.js';
import {
  getAlphasCumprod,
  getExponentialSigmas,
  getKarrasSigmas,
  getLogSigmas,
  getSigmas,
  getSpacedTimesteps,
  interpolate,
  sigmaToTimestep,
} from './noiseSchedule.js';
import { portableLog } from './portableMath.js';
import type { Scheduler } from './types.js';

export type CreateEulerSchedulerParameters = {
  settings: SchedulerSettings;
  steps: number;
  /** Euler ancestral (Karras et al. 2022 / k-diffusion): step to σ_down, then add σ_up of fresh noise. */
  ancestral?: boolean | undefined;
};

/**
 * Euler sampler on the probability-flow ODE in σ space (Karras et al. 2022, Algorithm 1 without churn):
 * x_next = x + (x − x₀)/σ · (σ_next − σ), with the UNet fed x / sqrt(σ² + 1); for an epsilon model
 * (x − x₀)/σ is ε itself, for v_prediction x₀ = −σ/sqrt(σ²+1) v + x/(σ²+1). σ at a fractional timestep is
 * interpolated linearly between training σ's; `use_karras_sigmas` / `use_exponential_sigmas` respace σ between
 * σ_min and σ_max (or the config's sigma_min/sigma_max) and take the timesteps back by log-σ interpolation; the
 * final σ is 0 or σ_min (`final_sigmas_type`). The ancestral variant steps to σ_down = sqrt(σ_next² − σ_up²),
 * σ_up = sqrt(σ_next² (σ² − σ_next²) / σ²), then adds σ_up · z. Initial σ is σ_max, or sqrt(σ_max² + 1) for
 * leading spacing.
 *
 * @example
 * const euler = createEulerScheduler({ settings, steps: 20, ancestral: true });
 */
export function createEulerScheduler({
  settings,
  steps,
  ancestral = false,
}: CreateEulerSchedulerParameters): Scheduler {
  const alphasCumprod = getAlphasCumprod(settings, { zeroSnrFloor: true });
  const trainSigmas = getSigmas(alphasCumprod);
  const spacing = settings.timestep_spacing as TimestepSpacing;
  let timesteps = getSpacedTimesteps({
    spacing,
    steps,
    trainTimesteps: settings.num_train_timesteps,
    stepsOffset: settings.steps_offset,
    fractional: true,
  });
  let stepSigmas = timesteps.map((t) => interpolate(trainSigmas, t));
  if (!ancestral && (settings.use_karras_sigmas || settings.use_exponential_sigmas)) {
    const sigmaMin = settings.sigma_min ?? stepSigmas[stepSigmas.length - 1]!;
    const sigmaMax = settings.sigma_max ?? stepSigmas[0]!;
    stepSigmas = settings.use_karras_sigmas
      ? getKarrasSigmas(sigmaMin, sigmaMax, steps)
      : getExponentialSigmas(sigmaMin, sigmaMax, steps);
    const logSigmas = getLogSigmas(trainSigmas);
    timesteps = stepSigmas.map((sigma) => sigmaToTimestep(sigma, logSigmas));
  }
  const finalSigma =
    !ancestral && settings.final_sigmas_type === 'sigma_min'
      ? Math.sqrt((1 - alphasCumprod[0]!) / alphasCumprod[0]!)
      : 0;
  const sigmas = [...stepSigmas, finalSigma];
  if (!ancestral && settings.timestep_type === 'continuous' && settings.prediction_type === 'v_prediction')
    timesteps = stepSigmas.map((sigma) => 0.25 * portableLog(sigma));
  const maxSigma = Math.max(...sigmas);
  const vPrediction = settings.prediction_type === 'v_prediction';
  return {
    timesteps,
    initNoiseSigma:
      spacing === 'linspace' || spacing === 'trailing' ? maxSigma : Math.sqrt(maxSigma * maxSigma + 1),
    stochastic: ancestral,
    scaleModelInput(sample, index) {
      const sigma = sigmas[index]!;
      const scale = Math.sqrt(sigma * sigma + 1);
      return sample.map((x) => x / scale);
    },
    addNoise(original, noise, index) {
      const sigma = sigmas[index]!;
      const out = new Float32Array(original.length);
      for (let i = 0; i < out.length; i++) out[i] = original[i]! + noise[i]! * sigma;
      return out;
    },
    step(modelOutput, index, sample, noise) {
      const sigma = sigmas[index]!;
      const sigmaNext = sigmas[index + 1]!;
      let target = sigmaNext;
      let sigmaUp = 0;
      if (ancestral) {
        sigmaUp = Math.sqrt(
          (sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext)) / (sigma * sigma),
        );
        target = Math.sqrt(sigmaNext * sigmaNext - sigmaUp * sigmaUp);
      }
      const dt = target - sigma;
      const z = sigmaUp > 0 ? noise(sample.length) : undefined;
      const out = new Float32Array(sample.length);
      if (vPrediction) {
        const outputScale = -sigma / Math.sqrt(sigma * sigma + 1);
        const sampleDivisor = sigma * sigma + 1;
        for (let i = 0; i < sample.length; i++) {
          const x0 = modelOutput[i]! * outputScale + sample[i]! / sampleDivisor;
          const derivative = (sample[i]! - x0) / sigma;
          out[i] = sample[i]! + derivative * dt + (z === undefined ? 0 : z[i]! * sigmaUp);
        }
        return out;
      }
      for (let i = 0; i < sample.length; i++) {
        // With an epsilon model the ODE derivative (x − x₀) / σ is ε itself.
        out[i] = sample[i]! + modelOutput[i]! * dt + (z === undefined ? 0 : z[i]! * sigmaUp);
      }
      return out;
    },
  };
}
