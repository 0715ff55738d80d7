/**
 * Stable Diffusion text-to-image on onnxruntime-node: CLIP tokenizer, text encoder, UNet with
 * classifier-free guidance, our own schedulers and seeded Philox noise, VAE decoder, PNG output.
 * See docs/stable-diffusion.md.
 */
export { getSdCapabilities } from './capabilities.js';
export {
  SdAbortedError,
  SdModelFormatError,
  SdModelNotFoundError,
  SdUnsupportedArgumentError,
} from './errors.js';
export { toRgbPixels } from './image/toRgbPixels.js';
export { writePng } from './image/writePng.js';
export {
  defaultVaeScalingFactor,
  type LoadSdModelParameters,
  loadSdModel,
  type SdModel,
  sdModelFiles,
} from './model/loadSdModel.js';
export { getSdSessionOptions, sdGraphOptimizationLevel } from './model/sessionOptions.js';
export { encodePrompt } from './pipeline/encodePrompt.js';
export {
  type GeneratedImage,
  type GenerateImagesParameters,
  generateImages,
  latentNoiseStream,
  stepNoiseStream,
} from './pipeline/generateImages.js';
export * from './schedulers/index.js';
export { createSdBackend } from './sdBackend.js';
export * from './tokenizer/index.js';
