import { portableLog } from '../../random/index.js';
import type { NoiseScheduleConfig, TimestepSpacing } from './config.js';
import { getAlphasCumprod, getSigmas, getSpacedTimesteps } from './noiseSchedule.js';
import type { Scheduler } from './types.js';

export type CreateDpmSolverSchedulerParameters = {
  config: NoiseScheduleConfig;
  steps: number;
  timestepSpacing?: TimestepSpacing | undefined;
};

/**
 * DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2, midpoint form as diffusers uses it), in data-prediction form
 * with α_t = 1/sqrt(σ²+1), σ_t = σ α_t, λ = log α_t − log σ_t, h = λ_next − λ:
 * first order x_next = (σ_next/σ) x − α_next (e^{−h} − 1) D₀; second order adds −½ α_next (e^{−h} − 1) D₁
 * with D₁ = (D₀ − D_prev) h / h_prev. The first step and the final step (to σ = 0) are first order.
 * diffusers defaults: linspace spacing over steps + 1 points, the last dropped.
 *
 * @example
 * const dpm = createDpmSolverScheduler({ config: defaultNoiseScheduleConfig, steps: 25 });
 */
export function createDpmSolverScheduler({
  config,
  steps,
  timestepSpacing,
}: CreateDpmSolverSchedulerParameters): Scheduler {
  const trainSigmas = getSigmas(getAlphasCumprod(config));
  const timesteps = getSpacedTimesteps({
    spacing: timestepSpacing ?? config.timestep_spacing ?? 'linspace',
    steps,
    trainTimesteps: config.num_train_timesteps,
    stepsOffset: config.steps_offset,
    extra: 1,
  });
  const sigmas = [...timesteps.map((t) => trainSigmas[t]!), 0];
  const alphaOf = (sigma: number) => 1 / Math.sqrt(sigma * sigma + 1);
  // λ = log(α_t / σ_t) = −log σ, so e^{−h} = σ_next / σ exactly and only the ratio r of step sizes needs a
  // logarithm (our portable one: Math.log is not bit-exact across JavaScript engines).
  let previousPrediction: Float32Array | undefined;
  let previousIndex = -1;
  return {
    timesteps,
    initNoiseSigma: 1,
    stochastic: false,
    scaleModelInput: (sample) => sample,
    step(modelOutput, index, sample) {
      if (index === 0) previousPrediction = undefined;
      const sigma = sigmas[index]!;
      const sigmaNext = sigmas[index + 1]!;
      const alpha = alphaOf(sigma);
      const sigmaT = sigma * alpha;
      const alphaNext = alphaOf(sigmaNext);
      const sigmaTNext = sigmaNext * alphaNext;
      // Data prediction x₀ = (x − σ_t ε) / α_t, kept in float32 like the latents.
      const prediction = new Float32Array(sample.length);
      for (let i = 0; i < sample.length; i++) prediction[i] = (sample[i]! - sigmaT * modelOutput[i]!) / alpha;
      const decay = sigmaNext / sigma - 1; // e^{−h} − 1; −1 for the final step to σ = 0
      const ratio = sigmaTNext / sigmaT;
      const isLast = index === timesteps.length - 1;
      const secondOrder = previousPrediction !== undefined && previousIndex === index - 1 && !isLast;
      const out = new Float32Array(sample.length);
      if (secondOrder) {
        const h = portableLog(sigma / sigmaNext);
        const hPrevious = portableLog(sigmas[index - 1]! / sigma);
        const r = hPrevious / h;
        for (let i = 0; i < sample.length; i++) {
          const d0 = prediction[i]!;
          const d1 = (1 / r) * (d0 - previousPrediction![i]!);
          out[i] = ratio * sample[i]! - alphaNext * decay * d0 - 0.5 * alphaNext * decay * d1;
        }
      } else {
        for (let i = 0; i < sample.length; i++)
          out[i] = ratio * sample[i]! - alphaNext * decay * prediction[i]!;
      }
      previousPrediction = prediction;
      previousIndex = index;
      return out;
    },
  };
}
