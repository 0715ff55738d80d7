import { Tensor } from 'onnxruntime-node';
import { createRandomStream, fillGaussian } from '../../random/index.js';
import { SdAbortedError, SdModelFormatError } from '../errors.js';
import { toRgbPixels } from '../image/toRgbPixels.js';
import type { SdModel } from '../model/loadSdModel.js';
import { createScheduler, type SchedulerArgs, type SchedulerMethod } from '../schedulers/index.js';
import { encodePrompt } from './encodePrompt.js';
import { blendInpaint, type ImageInput, prepareStart, stepNoiseStream } from './prepareStart.js';

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
};

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

  const latentSize = 4 * latentHeight * latentWidth;
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
    let latents = start.latents;
    const extra = start.extraChannels;
    const channels = extra ? 9 : 4;
    const stepNoise = createRandomStream({ seed: imageSeed, stream: stepNoiseStream });
    const noise = (length: number) => fillGaussian(stepNoise, new Float32Array(length));

    const evaluations = scheduler.timesteps.length - start.startIndex;
    for (let step = start.startIndex; step < scheduler.timesteps.length; step++) {
      const done = step - start.startIndex;
      checkAborted(index * evaluations + done);
      const modelInput = scheduler.scaleModelInput(latents, step);
      const itemSize = (channels / 4) * latentSize;
      const sample = new Float32Array(batch * itemSize);
      for (let b = 0; b < batch; b++) {
        sample.set(modelInput, b * itemSize);
        if (extra) sample.set(extra, b * itemSize + latentSize);
      }
      const t = scheduler.timesteps[step]!;
      const count = model.timestepLength === 'batch' ? batch : 1;
      // int64 timesteps truncate a fractional (Euler) timestep, as numpy's astype does in diffusers' ONNX pipeline.
      const timestep =
        model.timestepType === 'float32'
          ? new Tensor('float32', new Float32Array(count).fill(t), [count])
          : new Tensor('int64', new BigInt64Array(count).fill(BigInt(Math.trunc(t))), [count]);
      const feeds = {
        sample: new Tensor('float32', sample, [batch, channels, latentHeight, latentWidth]),
        timestep,
        encoder_hidden_states: new Tensor('float32', context, [batch, sequence, hidden]),
      };
      const outSample = parameters.runUnet
        ? await parameters.runUnet(feeds)
        : (await model.unet.run(feeds, ['out_sample'])).out_sample!;
      const prediction = outSample.data as Float32Array;
      if (prediction.length !== batch * latentSize)
        throw new SdModelFormatError({
          model: model.modelId,
          file: 'unet/model.onnx',
          reason: 'out_sample has the wrong size',
        });
      let epsilon: Float32Array;
      if (guided) {
        epsilon = new Float32Array(latentSize);
        for (let i = 0; i < latentSize; i++) {
          const unconditional = prediction[i]!;
          epsilon[i] = unconditional + cfg * (prediction[latentSize + i]! - unconditional);
        }
      } else {
        epsilon = prediction.slice(0, latentSize);
      }
      outSample.dispose();
      latents = scheduler.step(epsilon, step, latents, noise);
      if (start.blend) latents = blendInpaint(start.blend, scheduler, step, latents);
      onStep?.({ image: index, step: done + 1, steps: evaluations });
    }

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
