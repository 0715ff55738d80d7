import type { SchedulerSettings, TimestepSpacing } from './config.js';
import {
  getAlphasCumprod,
  getKarrasSigmas,
  getLogSigmas,
  getLuSigmas,
  getSigmas,
  getSpacedTimesteps,
  roundHalfEven,
  sigmaToTimestep,
} from './noiseSchedule.js';
import { portableLog } from './portableMath.js';
import { thresholdSample } from './prediction.js';
import type { Scheduler } from './types.js';

export type CreateDpmSolverSchedulerParameters = {
  settings: SchedulerSettings;
  steps: number;
};

/**
 * The last training timestep DPM-Solver spaces over: T minus the number of timesteps whose
 * λ = log α − log σ_vp (= −log σ) lies below `lambda_min_clipped` (diffusers clips them for cosine schedules).
 */
function getLastTimestep(trainSigmas: Float64Array, lambdaMinClipped: number): number {
  const T = trainSigmas.length;
  if (lambdaMinClipped === Number.NEGATIVE_INFINITY) return T;
  let clipped = 0;
  for (let t = T - 1; t >= 0 && -portableLog(trainSigmas[t]!) < lambdaMinClipped; t--) clipped++;
  return T - clipped;
}

/**
 * DPM-Solver++ (Lu et al. 2022, multistep, data prediction), orders 1 and 2 with diffusers' midpoint or Heun
 * second-order update, in terms of α_t = 1/sqrt(σ²+1), σ_t = σ α_t, λ = −log σ, h = λ_next − λ:
 * x_next = (σ_t,next/σ_t) x − α_next (e^{−h} − 1) D₀ − ½ α_next (e^{−h} − 1) D₁ (midpoint) or
 * + α_next ((e^{−h} − 1)/h + 1) D₁ (Heun), D₁ = (D₀ − D_prev) h / h_prev. The first step is first order, and
 * the final one when it goes to σ = 0 (final_sigmas_type zero), with euler_at_final, or with
 * lower_order_final under 15 steps. Timesteps are spaced over steps + 1 points (the last dropped); Karras or
 * Lu σ's replace the training σ's when configured, their timesteps taken back by log-σ interpolation and
 * rounded.
 *
 * @example
 * const dpm = createDpmSolverScheduler({ settings, steps: 25 });
 */
export function createDpmSolverScheduler({ settings, steps }: CreateDpmSolverSchedulerParameters): Scheduler {
  const alphasCumprod = getAlphasCumprod(settings, { zeroSnrFloor: true });
  const trainSigmas = getSigmas(alphasCumprod);
  let timesteps = getSpacedTimesteps({
    spacing: settings.timestep_spacing as TimestepSpacing,
    steps,
    trainTimesteps: settings.num_train_timesteps,
    stepsOffset: settings.steps_offset,
    extra: 1,
    lastTimestep: getLastTimestep(trainSigmas, settings.lambda_min_clipped),
  });
  let stepSigmas = timesteps.map((t) => trainSigmas[t]!);
  if (settings.use_karras_sigmas || settings.use_lu_lambdas) {
    const sigmaMin = trainSigmas[0]!;
    const sigmaMax = trainSigmas[trainSigmas.length - 1]!;
    stepSigmas = settings.use_karras_sigmas
      ? getKarrasSigmas(sigmaMin, sigmaMax, steps)
      : getLuSigmas(sigmaMin, sigmaMax, steps);
    const logSigmas = getLogSigmas(trainSigmas);
    timesteps = stepSigmas.map((sigma) => roundHalfEven(sigmaToTimestep(sigma, logSigmas)));
  }
  const finalSigma =
    settings.final_sigmas_type === 'sigma_min' ? Math.sqrt((1 - alphasCumprod[0]!) / alphasCumprod[0]!) : 0;
  const sigmas = [...stepSigmas, finalSigma];
  const count = timesteps.length;
  const alphaOf = (sigma: number) => 1 / Math.sqrt(sigma * sigma + 1);
  // λ = log(α_t / σ_t) = −log σ, so e^{−h} = σ_next / σ exactly and only h itself (for the ratio r and Heun)
  // needs a logarithm (our portable one: Math.log is not bit-exact across JavaScript engines).
  let previousPrediction: Float32Array | undefined;
  let lowerOrderSteps = 0;
  return {
    timesteps,
    initNoiseSigma: 1,
    stochastic: false,
    scaleModelInput: (sample) => sample,
    addNoise(original, noise, index) {
      const sigma = sigmas[index]!;
      const alpha = alphaOf(sigma);
      const sigmaT = sigma * alpha;
      const out = new Float32Array(original.length);
      for (let i = 0; i < out.length; i++) out[i] = alpha * original[i]! + sigmaT * noise[i]!;
      return out;
    },
    step(modelOutput, index, sample) {
      if (index === 0) {
        previousPrediction = undefined;
        lowerOrderSteps = 0;
      }
      const sigma = sigmas[index]!;
      const sigmaNext = sigmas[index + 1]!;
      const alpha = alphaOf(sigma);
      const sigmaT = sigma * alpha;
      const alphaNext = alphaOf(sigmaNext);
      const sigmaTNext = sigmaNext * alphaNext;
      // Data prediction x₀, kept in float32 like the latents.
      const prediction = new Float32Array(sample.length);
      const type = settings.prediction_type;
      for (let i = 0; i < sample.length; i++) {
        if (type === 'epsilon') prediction[i] = (sample[i]! - sigmaT * modelOutput[i]!) / alpha;
        else if (type === 'v_prediction') prediction[i] = alpha * sample[i]! - sigmaT * modelOutput[i]!;
        else prediction[i] = modelOutput[i]!;
      }
      if (settings.thresholding) {
        const x0 = Float64Array.from(prediction);
        thresholdSample(x0, settings.dynamic_thresholding_ratio, settings.sample_max_value);
        prediction.set(x0);
      }
      const decay = sigmaNext / sigma - 1; // e^{−h} − 1; −1 for the final step to σ = 0
      const ratio = sigmaTNext / sigmaT;
      const isLast = index === count - 1;
      const lowerOrderFinal =
        isLast &&
        (settings.euler_at_final ||
          (settings.lower_order_final && count < 15) ||
          settings.final_sigmas_type === 'zero');
      const firstOrder =
        settings.solver_order === 1 ||
        lowerOrderSteps < 1 ||
        lowerOrderFinal ||
        previousPrediction === undefined;
      const out = new Float32Array(sample.length);
      if (!firstOrder) {
        const h = portableLog(sigma / sigmaNext);
        const hPrevious = portableLog(sigmas[index - 1]! / sigma);
        const r = hPrevious / h;
        const heun = settings.solver_type === 'heun';
        const heunCoefficient = alphaNext * (decay / h + 1);
        for (let i = 0; i < sample.length; i++) {
          const d0 = prediction[i]!;
          const d1 = (1 / r) * (d0 - previousPrediction![i]!);
          out[i] = heun
            ? ratio * sample[i]! - alphaNext * decay * d0 + heunCoefficient * d1
            : ratio * sample[i]! - alphaNext * decay * d0 - 0.5 * alphaNext * decay * d1;
        }
      } else {
        for (let i = 0; i < sample.length; i++)
          out[i] = ratio * sample[i]! - alphaNext * decay * prediction[i]!;
      }
      previousPrediction = prediction;
      if (lowerOrderSteps < settings.solver_order) lowerOrderSteps++;
      return out;
    },
  };
}
