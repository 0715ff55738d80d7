import type { SchedulerSettings, TimestepSpacing } from './config.js';
import { getAlphasCumprod, linspace, roundHalfEven } from './noiseSchedule.js';
import { addNoiseVp } from './prediction.js';
import type { Scheduler } from './types.js';

export type CreatePndmSchedulerParameters = {
  settings: SchedulerSettings;
  steps: number;
};

/** The ascending inference timesteps PNDM starts from, per spacing (diffusers' `_timesteps`). */
function getBaseTimesteps(settings: SchedulerSettings, steps: number): number[] {
  const T = settings.num_train_timesteps;
  const spacing = settings.timestep_spacing as TimestepSpacing;
  if (spacing === 'linspace') return linspace(0, T - 1, steps).map(roundHalfEven);
  if (spacing === 'leading') {
    const ratio = Math.floor(T / steps);
    return Array.from({ length: steps }, (_, i) => roundHalfEven(i * ratio) + settings.steps_offset);
  }
  const ratio = T / steps;
  const length = Math.ceil(-T / -ratio);
  return Array.from({ length }, (_, i) => roundHalfEven(T + i * -ratio))
    .reverse()
    .map((t) => t - 1);
}

/**
 * PNDM (Liu et al. 2022, pseudo numerical methods): the linear multistep PLMS update on the DDIM transfer
 * x_prev = sqrt(ᾱ_prev/ᾱ_t) x − (ᾱ_prev − ᾱ_t) ε' / (ᾱ_t sqrt(1 − ᾱ_prev) + sqrt(ᾱ_t (1 − ᾱ_t) ᾱ_prev)) with
 * ε' the Adams–Bashforth combination of the last ε's (1, 2, 3, then 4 of them: (55, −59, 37, −9)/24).
 * With `skip_prk_steps` (Stable Diffusion's shipped config) the first step is taken twice, the second time
 * with the average of both ε's, so the UNet runs steps + 1 times; without it, three Runge–Kutta steps
 * (4 evaluations each, at t and t − Δ/2) warm up the history first. v_prediction is turned into ε with the
 * current sample. ᾱ past the end is 1 if set_alpha_to_one, else ᾱ₀.
 *
 * @example
 * const pndm = createPndmScheduler({ settings, steps: 50 }); // SD 1.5: 981, 961, 961, 941, …
 */
export function createPndmScheduler({ settings, steps }: CreatePndmSchedulerParameters): Scheduler {
  const alphasCumprod = getAlphasCumprod(settings);
  const T = settings.num_train_timesteps;
  const ratio = Math.floor(T / steps);
  const base = getBaseTimesteps(settings, steps);
  let prkTimesteps: number[] = [];
  let plmsTimesteps: number[];
  if (settings.skip_prk_steps) {
    plmsTimesteps = [...base.slice(0, -1), ...base.slice(-2, -1), ...base.slice(-1)].reverse();
  } else {
    if (steps < 4)
      throw new RangeError('PNDM without skip_prk_steps needs at least 4 steps (its Runge–Kutta warm-up)');
    const halfRatio = Math.floor(ratio / 2);
    const lastFour = base.slice(-4).flatMap((t) => [t, t + halfRatio]);
    const doubled = lastFour.slice(0, -1).flatMap((t) => [t, t]);
    prkTimesteps = doubled.slice(1, -1).reverse();
    plmsTimesteps = base.slice(0, -3).reverse();
  }
  const timesteps = [...prkTimesteps, ...plmsTimesteps];
  const finalAlphaCumprod = settings.set_alpha_to_one ? 1 : alphasCumprod[0]!;
  const vPrediction = settings.prediction_type === 'v_prediction';

  let counter = 0;
  let ets: Float32Array[] = [];
  let currentSample: Float32Array | undefined;
  let currentOutput: Float64Array | undefined;

  /** The DDIM-like transfer from timestep t to prevT with the combined model output. */
  const transfer = (
    sample: Float32Array,
    t: number,
    prevT: number,
    output: ArrayLike<number>,
  ): Float32Array => {
    const alpha = alphasCumprod[t]!;
    const alphaPrevious = prevT >= 0 ? alphasCumprod[prevT]! : finalAlphaCumprod;
    const beta = 1 - alpha;
    const betaPrevious = 1 - alphaPrevious;
    const sampleCoefficient = Math.sqrt(alphaPrevious / alpha);
    const denominator = alpha * Math.sqrt(betaPrevious) + Math.sqrt(alpha * beta * alphaPrevious);
    const sqrtAlpha = Math.sqrt(alpha);
    const sqrtBeta = Math.sqrt(beta);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const epsilon = vPrediction ? sqrtAlpha * output[i]! + sqrtBeta * sample[i]! : output[i]!;
      out[i] = sampleCoefficient * sample[i]! - ((alphaPrevious - alpha) * epsilon) / denominator;
    }
    return out;
  };

  const stepPrk = (modelOutput: Float32Array, index: number, sample: Float32Array): Float32Array => {
    const diffToPrevious = counter % 2 ? 0 : Math.floor(ratio / 2);
    const prevT = timesteps[index]! - diffToPrevious;
    const t = prkTimesteps[Math.floor(counter / 4) * 4]!;
    const output = currentOutput ?? new Float64Array(sample.length);
    let combined: ArrayLike<number> = modelOutput;
    const phase = counter % 4;
    if (phase === 0) {
      for (let i = 0; i < output.length; i++) output[i] = output[i]! + (1 / 6) * modelOutput[i]!;
      ets.push(modelOutput);
      currentSample = sample;
    } else if (phase === 1 || phase === 2) {
      for (let i = 0; i < output.length; i++) output[i] = output[i]! + (1 / 3) * modelOutput[i]!;
    } else {
      const last = new Float64Array(output.length);
      for (let i = 0; i < output.length; i++) last[i] = output[i]! + (1 / 6) * modelOutput[i]!;
      combined = last;
    }
    currentOutput = phase === 3 ? undefined : output;
    const from = currentSample ?? sample;
    counter++;
    return transfer(from, t, prevT, combined);
  };

  const stepPlms = (modelOutput: Float32Array, index: number, sample: Float32Array): Float32Array => {
    let t = timesteps[index]!;
    let prevT = t - ratio;
    if (counter !== 1) {
      ets = ets.slice(-3);
      ets.push(modelOutput);
    } else {
      prevT = t;
      t = t + ratio;
    }
    const n = ets.length;
    const e = (back: number) => ets[n - back]!;
    let combined: ArrayLike<number>;
    let from = sample;
    if (n === 1 && counter === 0) {
      combined = modelOutput;
      currentSample = sample;
    } else if (n === 1 && counter === 1) {
      combined = modelOutput.map((x, i) => (x + e(1)[i]!) / 2);
      from = currentSample!;
      currentSample = undefined;
    } else {
      const out = new Float64Array(modelOutput.length);
      for (let i = 0; i < out.length; i++) {
        if (n === 2) out[i] = (3 * e(1)[i]! - e(2)[i]!) / 2;
        else if (n === 3) out[i] = (23 * e(1)[i]! - 16 * e(2)[i]! + 5 * e(3)[i]!) / 12;
        else out[i] = (1 / 24) * (55 * e(1)[i]! - 59 * e(2)[i]! + 37 * e(3)[i]! - 9 * e(4)[i]!);
      }
      combined = out;
    }
    counter++;
    return transfer(from, t, prevT, combined);
  };

  return {
    timesteps,
    initNoiseSigma: 1,
    stochastic: false,
    scaleModelInput: (sample) => sample,
    addNoise: (original, noise, index) => addNoiseVp(original, noise, alphasCumprod[timesteps[index]!]!),
    step(modelOutput, index, sample) {
      if (index === 0) {
        counter = 0;
        ets = [];
        currentSample = undefined;
        currentOutput = undefined;
      }
      return counter < prkTimesteps.length
        ? stepPrk(modelOutput, index, sample)
        : stepPlms(modelOutput, index, sample);
    },
  };
}
