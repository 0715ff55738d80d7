import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { SdModelFormatError } from '../errors.js';
import type { NoiseSource, Scheduler } from '../schedulers/index.js';
import { blendInpaint, type StartState } from './prepareStart.js';

export type DenoiseLatentsParameters = {
  /** For messages: the model whose UNet runs. */
  modelId: string;
  unet: InferenceSession;
  /** Replaces the UNet call (ControlNet, SDXL's added conditioning); same feeds, returns `out_sample`. */
  runUnet?: ((feeds: Record<string, Tensor>) => Promise<Tensor>) | undefined;
  timestepType: 'float32' | 'int64';
  timestepLength: 'batch' | 'one';
  scheduler: Scheduler;
  latents: Float32Array;
  /** Timestep indices [startIndex, endIndex) run, in order. */
  startIndex: number;
  endIndex: number;
  latentWidth: number;
  latentHeight: number;
  /** Text states [batch, sequence, hidden]: [negative, prompt] when guiding, else the prompt. */
  context: Float32Array;
  sequence: number;
  hidden: number;
  /** Classifier-free guidance scale; guidance runs when cfg > 1. */
  cfg: number;
  /** Inpainting UNet channels after the latents (mask, masked-image latents). */
  extraChannels?: Float32Array | undefined;
  /** Legacy inpainting blend after every step. */
  blend?: StartState['blend'];
  /** The stochastic samplers' noise, drawn in step order. */
  noise: NoiseSource;
  /** Called before every UNet evaluation with the number already done in this call. */
  beforeStep?: ((done: number) => void) | undefined;
  /** Called after every step with the number done in this call. */
  afterStep?: ((done: number) => void) | undefined;
};

/**
 * The denoising loop of diffusers' pipelines over the timesteps [startIndex, endIndex): scale the latents, run
 * the UNet on the batch (negative and prompt halves when guiding), guide
 * ε = ε_uncond + cfg (ε_cond − ε_uncond), step the scheduler. Shared by the base pipeline and the SDXL refiner.
 */
export async function denoiseLatents(parameters: DenoiseLatentsParameters): Promise<Float32Array> {
  const { scheduler, cfg, latentWidth, latentHeight, context, sequence, hidden } = parameters;
  const extra = parameters.extraChannels;
  const guided = cfg > 1;
  const batch = guided ? 2 : 1;
  const channels = extra ? 9 : 4;
  const latentSize = 4 * latentHeight * latentWidth;
  let latents = parameters.latents;
  for (let step = parameters.startIndex; step < parameters.endIndex; step++) {
    const done = step - parameters.startIndex;
    parameters.beforeStep?.(done);
    const modelInput = scheduler.scaleModelInput(latents, step);
    const itemSize = (channels / 4) * latentSize;
    const sample = new Float32Array(batch * itemSize);
    for (let b = 0; b < batch; b++) {
      sample.set(modelInput, b * itemSize);
      if (extra) sample.set(extra, b * itemSize + latentSize);
    }
    const t = scheduler.timesteps[step]!;
    const count = parameters.timestepLength === 'batch' ? batch : 1;
    // int64 timesteps truncate a fractional (Euler) timestep, as numpy's astype does in diffusers' ONNX pipeline.
    const timestep =
      parameters.timestepType === 'float32'
        ? new Tensor('float32', new Float32Array(count).fill(t), [count])
        : new Tensor('int64', new BigInt64Array(count).fill(BigInt(Math.trunc(t))), [count]);
    const feeds = {
      sample: new Tensor('float32', sample, [batch, channels, latentHeight, latentWidth]),
      timestep,
      encoder_hidden_states: new Tensor('float32', context, [batch, sequence, hidden]),
    };
    const outSample = parameters.runUnet
      ? await parameters.runUnet(feeds)
      : (await parameters.unet.run(feeds, ['out_sample'])).out_sample!;
    const prediction = outSample.data as Float32Array;
    if (prediction.length !== batch * latentSize)
      throw new SdModelFormatError({
        model: parameters.modelId,
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
    latents = scheduler.step(epsilon, step, latents, parameters.noise);
    if (parameters.blend) latents = blendInpaint(parameters.blend, scheduler, step, latents);
    parameters.afterStep?.(done + 1);
  }
  return latents;
}
