/**
 * ControlNet for Stable Diffusion: an ONNX ControlNet (diffusers' ControlNetModel interface) whose residuals
 * go into the base model's UNet export with residual inputs, a conditioning image with its scale, and the
 * canny preprocessor (OpenCV-exact). See docs/stable-diffusion.md.
 */
export { type DetectCannyEdgesParameters, detectCannyEdges } from './canny.js';
export { SdControlnetError } from './errors.js';
export {
  type ControlnetBundle,
  controlnetUnetFile,
  type LoadControlnetParameters,
  loadControlnet,
} from './loadControlnet.js';
export { type ControlPreprocess, maxControlImageSide, prepareControlImage } from './prepareControlImage.js';
