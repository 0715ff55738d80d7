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
  /**
   * Legacy inpainting with a 4-channel UNet: after every step the latents outside the mask [h, w] are replaced
   * by the image's latents noised to the next timestep with the initial noise (clean after the last step).
   */
  blend?: { imageLatents: Float32Array; noise: Float32Array; mask: Float32Array } | undefined;
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
 * With a 4-channel UNet, inpainting uses the legacy mask blending instead (see blendInpaint).
 *
 * @throws SdUnsupportedArgumentError when a text-to-image or image-to-image task names an inpainting model.
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
  if (model.unetInChannels === 9 && image?.kind !== 'inpaint')
    throw new SdUnsupportedArgumentError({
      argument: 'base_model',
      reason: `"${model.modelId}" is an inpainting model (9-channel UNet); send inpaint with an image and a mask`,
    });
  const noise = fillGaussian(
    createRandomStream({ seed, stream: latentNoiseStream }),
    new Float32Array(latentSize),
  );
  if (image?.kind === 'inpaint' && model.unetInChannels === 4) {
    // diffusers' StableDiffusionInpaintPipeline with a 4-channel UNet: the image latents are always encoded.
    const startIndex = image.strength === 100 ? 0 : getStartIndex(steps, image.strength);
    const pixels = toVaeInput(image.rgb, width, height);
    const imageLatents = await encodeImage({ model, pixels, width, height, seed, stream: imageEncodeStream });
    const latents =
      image.strength === 100
        ? noise.map((x) => x * scheduler.initNoiseSigma)
        : scheduler.addNoise(imageLatents, noise, startIndex);
    const mask = downsampleMask(toBinaryMask(image.maskRgb, width, height), width, height);
    return { latents, startIndex, blend: { imageLatents, noise, mask } };
  }
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

/**
 * The legacy inpainting blend after step `index` of a 4-channel UNet: (1 − m) · image latents (noised to
 * timesteps[index + 1] with the initial noise, clean after the last step) + m · latents, per latent pixel.
 */
export function blendInpaint(
  blend: NonNullable<StartState['blend']>,
  scheduler: Scheduler,
  index: number,
  latents: Float32Array,
): Float32Array {
  const proper =
    index < scheduler.timesteps.length - 1
      ? scheduler.addNoise(blend.imageLatents, blend.noise, index + 1)
      : blend.imageLatents;
  const plane = blend.mask.length;
  const out = new Float32Array(latents.length);
  for (let i = 0; i < out.length; i++) {
    const m = blend.mask[i % plane]!;
    out[i] = (1 - m) * proper[i]! + m * latents[i]!;
  }
  return out;
}
