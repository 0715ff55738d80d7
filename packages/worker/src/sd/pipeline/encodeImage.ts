import { Tensor } from 'onnxruntime-node';
import { createRandomStream, fillGaussian } from '../../random/index.js';
import { SdModelFormatError, SdUnsupportedArgumentError } from '../errors.js';
import type { SdModel } from '../model/loadSdModel.js';
import { portableExp } from '../schedulers/portableMath.js';

/**
 * VAE-encodes a [3, H, W] image in [−1, 1] to scaled latents [4, H/8, W/8], as diffusers'
 * `vae.encode(image).latent_dist.sample(generator) · scaling_factor`: with a `latent_parameters` encoder the
 * sample is mean + exp(½ clamp(logvar, −30, 20)) · z, z standard normal from Philox stream `stream` under the
 * image seed (our exp, so every node gets the same bits).
 *
 * @throws SdUnsupportedArgumentError when the model has no VAE encoder.
 * @example
 * const latents = await encodeImage({ model, pixels, width: 64, height: 64, seed: 1, stream: 2 });
 */
export async function encodeImage({
  model,
  pixels,
  width,
  height,
  seed,
  stream,
}: {
  model: SdModel;
  pixels: Float32Array;
  width: number;
  height: number;
  seed: number;
  stream: number;
}): Promise<Float32Array> {
  if (!model.vaeEncoder)
    throw new SdUnsupportedArgumentError({
      argument: 'base_model',
      reason: `model "${model.modelId}" has no vae_encoder/model.onnx, which image inputs need`,
    });
  const { session, output } = model.vaeEncoder;
  const result = await session.run({ sample: new Tensor('float32', pixels, [1, 3, height, width]) }, [
    output,
  ]);
  const tensor = result[output]!;
  const size = 4 * (height / 8) * (width / 8);
  const data = tensor.data as Float32Array;
  const expected = output === 'latent_parameters' ? 2 * size : size;
  if (data.length !== expected)
    throw new SdModelFormatError({
      model: model.modelId,
      file: 'vae_encoder/model.onnx',
      reason: `${output} has ${data.length} values for a ${width}×${height} image (expected ${expected})`,
    });
  const latents = new Float32Array(size);
  if (output === 'latent_sample') {
    for (let i = 0; i < size; i++) latents[i] = data[i]! * model.vaeScalingFactor;
  } else {
    const z = fillGaussian(createRandomStream({ seed, stream }), new Float32Array(size));
    for (let i = 0; i < size; i++) {
      const logVariance = Math.min(Math.max(data[size + i]!, -30), 20);
      const std = Math.fround(portableExp(0.5 * logVariance));
      latents[i] = Math.fround(data[i]! + std * z[i]!) * model.vaeScalingFactor;
    }
  }
  tensor.dispose();
  return latents;
}
