import { Tensor } from 'onnxruntime-node';
import { createRandomStream, fillGaussian } from '../../random/index.js';
import { SdUnsupportedArgumentError } from '../errors.js';
import { denoiseLatents } from '../pipeline/denoiseLatents.js';
import { type LatentRefiner, roundHalfEven } from '../pipeline/generateImages.js';
import { getStartIndex } from '../pipeline/prepareStart.js';
import { createScheduler, resolveSchedulerSettings, type Scheduler } from '../schedulers/index.js';
import type { SdxlParts } from './loadSdxl.js';
import type { SdxlRefiner } from './loadSdxlRefiner.js';

/** Philox streams under the image seed for the refiner: its stochastic steps, and its add_noise (strength). */
export const refinerStepNoiseStream = 4;
export const refinerStartNoiseStream = 5;

/**
 * diffusers' defaults of StableDiffusionXLImg2ImgPipeline, which the reference network leaves in place when
 * it calls the refiner (it passes only the prompt embeddings, steps, denoising_start and the generator).
 */
export const refinerDefaults = {
  guidanceScale: 5,
  aestheticScore: 6,
  negativeAestheticScore: 2.5,
  /** Used when denoising_start is not in (0, 1): the refiner then re-noises the base's clean latents. */
  strength: 30,
} as const;

/**
 * Where the refiner's loop starts and whether it re-noises: with a cutoff c in (0, 100) the base stopped at
 * denoising_end = c / 100 and the refiner runs, of its own `steps` timesteps, those t < int(round(T − c/100 · T))
 * (diffusers' get_timesteps with denoising_start; order-1 samplers only) on the latents as they are;
 * at 0 or 100 denoising_start is not valid for diffusers, so the refiner runs as image-to-image at strength
 * 0.3 from the base's fully denoised latents.
 */
export function getRefinerStart(
  scheduler: Scheduler,
  numTrainTimesteps: number,
  steps: number,
  cutoff: number,
): { startIndex: number; addNoise: boolean } {
  if (cutoff > 0 && cutoff < 100) {
    const start = cutoff / 100;
    const discrete = roundHalfEven(numTrainTimesteps - start * numTrainTimesteps);
    const remaining = scheduler.timesteps.filter((t) => t < discrete).length;
    return { startIndex: scheduler.timesteps.length - remaining, addNoise: false };
  }
  try {
    return { startIndex: getStartIndex(steps, refinerDefaults.strength), addNoise: true };
  } catch {
    throw new SdUnsupportedArgumentError({
      argument: 'refiner.steps',
      reason: `with denoising_cutoff ${cutoff} the refiner runs floor(steps × 0.3) steps, 0 for ${steps} steps`,
    });
  }
}

/**
 * The SDXL refiner stage of one task, as the reference network runs it after the base
 * (StableDiffusionXLImg2ImgPipeline with the base's text_encoder_2 and VAE): prompt states and pooled embeds
 * from encoder 2 alone, guidance 5, time_ids `[h, w, 0, 0, 6]` / negative `[h, w, 0, 0, 2.5]` with
 * requires_aesthetics_score (else the base's six ids), the refiner's own scheduler, `steps` of it from the
 * cutoff (see getRefinerStart).
 */
export async function createSdxlRefiner(parameters: {
  refiner: SdxlRefiner;
  parts: SdxlParts;
  prompt: string;
  negativePrompt: string;
  steps: number;
  /** refiner.denoising_cutoff, percent. */
  denoisingCutoff: number;
}): Promise<LatentRefiner> {
  const { refiner, parts, steps, denoisingCutoff } = parameters;
  const makeScheduler = () =>
    createScheduler({ method: refiner.schedulerMethod, config: refiner.schedulerConfig, steps });
  const numTrainTimesteps = resolveSchedulerSettings({
    method: refiner.schedulerMethod,
    config: refiner.schedulerConfig,
  }).num_train_timesteps;
  const probe = makeScheduler();
  const { startIndex, addNoise } = getRefinerStart(probe, numTrainTimesteps, steps, denoisingCutoff);
  const cfg = refinerDefaults.guidanceScale;
  const prompt = await parts.encodeSecond(parameters.prompt);
  const negative =
    parameters.negativePrompt === '' && refiner.zerosForEmptyNegative
      ? {
          states: { data: new Float32Array(prompt.states.data.length), dims: prompt.states.dims },
          pooled: new Float32Array(prompt.pooled.length),
        }
      : await parts.encodeSecond(parameters.negativePrompt);
  const [, sequence, hidden] = prompt.states.dims as [number, number, number];
  const context = new Float32Array(2 * sequence * hidden);
  context.set(negative.states.data, 0);
  context.set(prompt.states.data, sequence * hidden);
  const pooledWidth = prompt.pooled.length;
  const textEmbeds = new Float32Array(2 * pooledWidth);
  textEmbeds.set(negative.pooled, 0);
  textEmbeds.set(prompt.pooled, pooledWidth);

  return {
    evaluations: probe.timesteps.length - startIndex,
    async refine({ latents, seed, width, height, beforeStep, afterStep }) {
      const scheduler = makeScheduler();
      const ids = refiner.requiresAestheticsScore
        ? [
            Float32Array.of(height, width, 0, 0, refinerDefaults.negativeAestheticScore),
            Float32Array.of(height, width, 0, 0, refinerDefaults.aestheticScore),
          ]
        : [
            Float32Array.of(height, width, 0, 0, height, width),
            Float32Array.of(height, width, 0, 0, height, width),
          ];
      const idCount = ids[0]!.length;
      const timeIds = new Float32Array(2 * idCount);
      timeIds.set(ids[0]!, 0);
      timeIds.set(ids[1]!, idCount);
      let start = latents;
      if (addNoise) {
        const noise = fillGaussian(
          createRandomStream({ seed, stream: refinerStartNoiseStream }),
          new Float32Array(latents.length),
        );
        start = scheduler.addNoise(latents, noise, startIndex);
      }
      const stepNoise = createRandomStream({ seed, stream: refinerStepNoiseStream });
      return denoiseLatents({
        modelId: refiner.modelId,
        unet: refiner.unet,
        runUnet: async (feeds) =>
          (
            await refiner.unet.run(
              {
                ...feeds,
                text_embeds: new Tensor('float32', textEmbeds, [2, pooledWidth]),
                time_ids: new Tensor('float32', timeIds, [2, idCount]),
              },
              ['out_sample'],
            )
          ).out_sample!,
        timestepType: refiner.timestepType,
        timestepLength: refiner.timestepLength,
        scheduler,
        latents: start,
        startIndex,
        endIndex: scheduler.timesteps.length,
        latentWidth: width / 8,
        latentHeight: height / 8,
        context,
        sequence,
        hidden,
        cfg,
        noise: (length) => fillGaussian(stepNoise, new Float32Array(length)),
        beforeStep,
        afterStep,
      });
    },
  };
}
