import { Tensor } from 'onnxruntime-node';
import { createRandomStream, fillGaussian } from '../../random/index.js';
import { SdAbortedError, SdModelFormatError } from '../errors.js';
import { toRgbPixels } from '../image/toRgbPixels.js';
import type { SdModel } from '../model/loadSdModel.js';
import {
  createScheduler,
  resolveSchedulerSettings,
  type SchedulerArgs,
  type SchedulerMethod,
} from '../schedulers/index.js';
import { denoiseLatents } from './denoiseLatents.js';
import { encodePrompt } from './encodePrompt.js';
import { type ImageInput, prepareStart, stepNoiseStream } from './prepareStart.js';

export { latentNoiseStream, stepNoiseStream } from './prepareStart.js';

export type GenerateImagesParameters = {
  model: SdModel;
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  steps: number;
  /** Task seed; image i uses seed + i. */
  seed: number;
  numImages: number;
  /** Classifier-free guidance scale; guidance runs only when cfg > 1 (as diffusers). */
  cfg: number;
  scheduler: { method: SchedulerMethod; args?: SchedulerArgs | undefined };
  /**
   * Called after every denoising step; `steps` counts the UNet evaluations per image (steps + 1 for PNDM as
   * SD ships it, which takes its first step twice).
   */
  onStep?: ((progress: { image: number; step: number; steps: number }) => void) | undefined;
  /** Checked before every step and before decoding. */
  signal?: AbortSignal | undefined;
  /** Image-to-image or inpainting input (width × height RGB); text-to-image without. */
  image?: ImageInput | undefined;
  /**
   * Replaces the UNet call (same feeds `sample`, `timestep`, `encoder_hidden_states`; returns `out_sample`):
   * ControlNet runs its graph and a residual UNet here.
   */
  runUnet?: ((feeds: Record<string, Tensor>) => Promise<Tensor>) | undefined;
  /** Replaces the text encoding of the prompt and the negative prompt (SDXL's two encoders). */
  encodePrompt?:
    | ((text: string, role: 'prompt' | 'negative') => Promise<{ data: Float32Array; dims: number[] }>)
    | undefined;
  /**
   * diffusers' `denoising_end` (a fraction in (0, 1)): only the timesteps t ≥ round(T − end · T) run, T the
   * scheduler's num_train_timesteps, and the latents go to `refiner` still noisy (SDXL base + refiner).
   */
  denoisingEnd?: number | undefined;
  /** Runs after the base denoising on each image's latents, before the VAE (the SDXL refiner). */
  refiner?: LatentRefiner | undefined;
};

/** A second denoiser over the base model's latents (SDXL's refiner), per image. */
export type LatentRefiner = {
  /** UNet evaluations per image (for progress). */
  evaluations: number;
  refine(parameters: {
    latents: Float32Array;
    /** The image seed (task seed + index). */
    seed: number;
    width: number;
    height: number;
    beforeStep(done: number): void;
    afterStep(done: number): void;
  }): Promise<Float32Array>;
};

/**
 * How many of the timesteps diffusers keeps for `denoising_end`: those with t ≥ int(round(T − end · T)).
 */
export function getDenoisingEndIndex(
  timesteps: readonly number[],
  numTrainTimesteps: number,
  denoisingEnd: number,
): number {
  const cutoff = roundHalfEven(numTrainTimesteps - denoisingEnd * numTrainTimesteps);
  return timesteps.filter((t) => t >= cutoff).length;
}

/** Python's round(): half to even. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export type GeneratedImage = {
  /** Interleaved 8-bit RGB, row-major. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** The seed this image was generated from (task seed + index). */
  seed: number;
};

/**
 * Runs the Stable Diffusion text-to-image pipeline: CLIP text states for the prompt (and the negative prompt
 * when guiding), per image seeded Gaussian latents (Philox stream 0 under seed + i) scaled by the scheduler's
 * initial sigma, `steps` UNet evaluations with classifier-free guidance
 * ε = ε_uncond + cfg (ε_cond − ε_uncond), scheduler steps (stochastic ones draw from stream 1), then the VAE
 * decoder on latents / scaling_factor and the conversion to 8-bit RGB. Images are generated one after the
 * other with batch 1 (2 when guiding), so image i depends only on its own seed.
 *
 * @throws SdAbortedError when `signal` aborts between steps.
 * @example
 * const images = await generateImages({ model, prompt: 'a red cat', negativePrompt: '', width: 64, height: 64,
 *   steps: 4, seed: 1, numImages: 2, cfg: 7, scheduler: { method: 'DDIM' } });
 */
export async function generateImages(parameters: GenerateImagesParameters): Promise<GeneratedImage[]> {
  const { model, width, height, steps, seed, numImages, cfg, signal, onStep } = parameters;
  const latentWidth = width / 8;
  const latentHeight = height / 8;
  if (!Number.isInteger(latentWidth) || !Number.isInteger(latentHeight))
    throw new RangeError(`image sides must be multiples of 8, got ${width}×${height}`);
  const guided = cfg > 1;
  const batch = guided ? 2 : 1;
  const checkAborted = (step: number) => {
    if (signal?.aborted) throw new SdAbortedError({ step, total: numImages * steps });
  };
  checkAborted(0);

  const encode = (text: string, role: 'prompt' | 'negative') =>
    parameters.encodePrompt ? parameters.encodePrompt(text, role) : encodePrompt(model, text);
  const condition = await encode(parameters.prompt, 'prompt');
  const [, sequence, hidden] = condition.dims as [number, number, number];
  const context = new Float32Array(batch * sequence * hidden);
  if (guided) {
    const unconditional = await encode(parameters.negativePrompt, 'negative');
    context.set(unconditional.data, 0);
    context.set(condition.data, sequence * hidden);
  } else {
    context.set(condition.data);
  }

  const numTrainTimesteps = resolveSchedulerSettings({
    method: parameters.scheduler.method,
    config: model.schedulerConfig,
    args: parameters.scheduler.args,
  }).num_train_timesteps;
  const images: GeneratedImage[] = [];
  for (let index = 0; index < numImages; index++) {
    const imageSeed = seed + index;
    const scheduler = createScheduler({
      method: parameters.scheduler.method,
      args: parameters.scheduler.args,
      config: model.schedulerConfig,
      steps,
    });
    const start = await prepareStart({
      model,
      scheduler,
      steps,
      width,
      height,
      seed: imageSeed,
      image: parameters.image,
    });
    const stepNoise = createRandomStream({ seed: imageSeed, stream: stepNoiseStream });
    const endIndex =
      parameters.denoisingEnd === undefined
        ? scheduler.timesteps.length
        : getDenoisingEndIndex(scheduler.timesteps, numTrainTimesteps, parameters.denoisingEnd);
    const baseEvaluations = endIndex - start.startIndex;
    const evaluations = baseEvaluations + (parameters.refiner?.evaluations ?? 0);
    let latents = await denoiseLatents({
      modelId: model.modelId,
      unet: model.unet,
      runUnet: parameters.runUnet,
      timestepType: model.timestepType,
      timestepLength: model.timestepLength,
      scheduler,
      latents: start.latents,
      startIndex: start.startIndex,
      endIndex,
      latentWidth,
      latentHeight,
      context,
      sequence,
      hidden,
      cfg,
      extraChannels: start.extraChannels,
      blend: start.blend,
      noise: (length) => fillGaussian(stepNoise, new Float32Array(length)),
      beforeStep: (done) => checkAborted(index * evaluations + done),
      afterStep: (done) => onStep?.({ image: index, step: done, steps: evaluations }),
    });
    if (parameters.refiner)
      latents = await parameters.refiner.refine({
        latents,
        seed: imageSeed,
        width,
        height,
        beforeStep: (done) => checkAborted(index * evaluations + baseEvaluations + done),
        afterStep: (done) => onStep?.({ image: index, step: baseEvaluations + done, steps: evaluations }),
      });

    checkAborted((index + 1) * evaluations);
    const scaled = latents.map((x) => x / model.vaeScalingFactor);
    const decoded = await model.vaeDecoder.run(
      { latent_sample: new Tensor('float32', scaled, [1, 4, latentHeight, latentWidth]) },
      ['sample'],
    );
    const image = decoded.sample!;
    if (image.dims[1] !== 3 || image.dims[2] !== height || image.dims[3] !== width)
      throw new SdModelFormatError({
        model: model.modelId,
        file: 'vae_decoder/model.onnx',
        reason: `decoded [${image.dims.join(', ')}] for a ${width}×${height} image (expected [1, 3, ${height}, ${width}])`,
      });
    images.push({
      rgb: toRgbPixels({ sample: image.data as Float32Array, width, height }),
      width,
      height,
      seed: imageSeed,
    });
    image.dispose();
  }
  return images;
}
