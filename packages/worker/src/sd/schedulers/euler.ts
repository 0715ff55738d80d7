import type { NoiseScheduleConfig, TimestepSpacing } from './config.js';
import { getAlphasCumprod, getSigmas, getSpacedTimesteps, interpolate } from './noiseSchedule.js';
import type { Scheduler } from './types.js';

export type CreateEulerSchedulerParameters = {
  config: NoiseScheduleConfig;
  steps: number;
  /** Euler ancestral (Karras et al. 2022 / k-diffusion): step to σ_down, then add σ_up of fresh noise. */
  ancestral?: boolean | undefined;
  timestepSpacing?: TimestepSpacing | undefined;
};

/**
 * Euler sampler on the probability-flow ODE in σ space (Karras et al. 2022, Algorithm 1 without churn):
 * x_next = x + ε (σ_next − σ), with the UNet fed x / sqrt(σ² + 1). σ at a fractional timestep is interpolated
 * linearly between training σ's and a final σ = 0 is appended. The ancestral variant steps to
 * σ_down = sqrt(σ_next² − σ_up²), σ_up = sqrt(σ_next² (σ² − σ_next²) / σ²), then adds σ_up · z.
 * diffusers defaults: linspace spacing (fractional timesteps); initial σ is σ_max, or sqrt(σ_max² + 1) for
 * leading spacing.
 *
 * @example
 * const euler = createEulerScheduler({ config: defaultNoiseScheduleConfig, steps: 20, ancestral: true });
 */
export function createEulerScheduler({
  config,
  steps,
  ancestral = false,
  timestepSpacing,
}: CreateEulerSchedulerParameters): Scheduler {
  const trainSigmas = getSigmas(getAlphasCumprod(config));
  const spacing = timestepSpacing ?? config.timestep_spacing ?? 'linspace';
  const timesteps = getSpacedTimesteps({
    spacing,
    steps,
    trainTimesteps: config.num_train_timesteps,
    stepsOffset: config.steps_offset,
    fractional: true,
  });
  const sigmas = [...timesteps.map((t) => interpolate(trainSigmas, t)), 0];
  const maxSigma = Math.max(...sigmas);
  return {
    timesteps,
    initNoiseSigma: spacing === 'leading' ? Math.sqrt(maxSigma * maxSigma + 1) : maxSigma,
    stochastic: ancestral,
    scaleModelInput(sample, index) {
      const sigma = sigmas[index]!;
      const scale = Math.sqrt(sigma * sigma + 1);
      return sample.map((x) => x / scale);
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
      for (let i = 0; i < sample.length; i++) {
        // With an epsilon model the ODE derivative (x − x₀) / σ is ε itself.
        out[i] = sample[i]! + modelOutput[i]! * dt + (z === undefined ? 0 : z[i]! * sigmaUp);
      }
      return out;
    },
  };
}
