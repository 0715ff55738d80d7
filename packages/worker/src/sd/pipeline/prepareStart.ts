import { createRandomStream, fillGaussian } from '../../random/index.js';
import { SdUnsupportedArgumentError } from '../errors.js';
import type { SdModel } from '../model/loadSdModel.js';
import type { Scheduler } from '../schedulers/index.js';
import { encodeImage } from './encodeImage.js';
import { downsampleMask, maskImage, toBinaryMask, toVaeInput } from './preprocessImage.js';

/** Philox stream numbers under an image's seed. */
export const latentNoiseStream = 0;
export const stepNoiseStream = 1;
/** The VAE encoder's latent sample of the init image, then of the masked image (inpainting). */
export const imageEncodeStream = 2;
export const maskedImageEncodeStream = 3;

/** Image inputs of a task: image-to-image, or inpainting with a mask (1 = repaint). */
export type ImageInput =
  | { kind: 'img2img'; rgb: Uint8Array; strength: number }
  | { kind: 'inpaint'; rgb: Uint8Array; maskRgb: Uint8Array; strength: number };

/** Where denoising starts for one image, and what the inpainting UNet gets besides the latents. */
export type StartState = {
  latents: Float32Array;
  /** Index into the scheduler's timesteps of the first UNet evaluation. */
  startIndex: number;
  /** Mask [1, h, w] and masked-image latents [4, h, w] concatenated after the latents (9-channel UNet). */
  extraChannels?: Float32Array | undefined;
};

/**
 * diffusers' start step for a strength s = strength / 100: init_timestep = min(floor(steps · s), steps),
 * t_start = steps − init_timestep, and the loop starts at timesteps[t_start · order] (order 1 for ours).
 */
export function getStartIndex(steps: number, strength: number): number {
  const initTimestep = Math.min(Math.floor((steps * strength) / 100), steps);
  if (initTimestep < 1)
    throw new SdUnsupportedArgumentError({
      argument: 'strength',
      reason: `floor(steps × strength / 100) is 0 for steps ${steps} and strength ${strength}`,
    });
  return steps - initTimestep;
}

/**
 * The latents denoising starts from, for one image seed: text-to-image draws Gaussian latents (stream 0)
 * times the initial σ; image-to-image VAE-encodes the init image (sampled with stream 2) and noises it with
 * the stream-0 noise to the start timestep (diffusers' add_noise); inpainting does the same from pure noise
 * at strength 100 (else from the noised image) and adds the mask and the masked image's latents (stream 3)
 * as the UNet's extra channels, as StableDiffusionInpaintPipeline.
 *
 * @throws SdUnsupportedArgumentError when the model's UNet does not match the task (inpainting needs 9 channels).
 */
export async function prepareStart(parameters: {
  model: SdModel;
  scheduler: Scheduler;
  steps: number;
  width: number;
  height: number;
  seed: number;
  image?: ImageInput | undefined;
}): Promise<StartState> {
  const { model, scheduler, steps, width, height, seed, image } = parameters;
  const latentSize = 4 * (height / 8) * (width / 8);
  const wantsChannels = image?.kind === 'inpaint' ? 9 : 4;
  if (model.unetInChannels !== wantsChannels)
    throw new SdUnsupportedArgumentError({
      argument: image?.kind === 'inpaint' ? 'inpaint' : 'base_model',
      reason:
        model.unetInChannels === 9
          ? `"${model.modelId}" is an inpainting model (9-channel UNet); send inpaint with an image and a mask`
          : `"${model.modelId}" has a 4-channel UNet; inpainting needs an inpainting model (mask blending with a 4-channel UNet is not implemented)`,
    });
  const noise = fillGaussian(
    createRandomStream({ seed, stream: latentNoiseStream }),
    new Float32Array(latentSize),
  );
  if (!image || (image.kind === 'inpaint' && image.strength === 100)) {
    const latents = noise.map((x) => x * scheduler.initNoiseSigma);
    return { latents, startIndex: 0, extraChannels: image ? await getInpaintChannels() : undefined };
  }
  const startIndex = getStartIndex(steps, image.strength);
  const pixels = toVaeInput(image.rgb, width, height);
  const imageLatents = await encodeImage({ model, pixels, width, height, seed, stream: imageEncodeStream });
  const latents = scheduler.addNoise(imageLatents, noise, startIndex);
  return {
    latents,
    startIndex,
    extraChannels: image.kind === 'inpaint' ? await getInpaintChannels() : undefined,
  };

  async function getInpaintChannels(): Promise<Float32Array> {
    if (image?.kind !== 'inpaint') throw new Error('unreachable');
    const mask = toBinaryMask(image.maskRgb, width, height);
    const masked = maskImage(toVaeInput(image.rgb, width, height), mask);
    const maskedLatents = await encodeImage({
      model,
      pixels: masked,
      width,
      height,
      seed,
      stream: maskedImageEncodeStream,
    });
    const extra = new Float32Array(latentSize / 4 + latentSize);
    extra.set(downsampleMask(mask, width, height), 0);
    extra.set(maskedLatents, latentSize / 4);
    return extra;
  }
}
