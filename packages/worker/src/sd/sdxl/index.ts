/**
 * SDXL text-to-image (base model): two text encoders with their penultimate states joined, pooled
 * `text_embeds`, `time_ids` size and crop conditioning; the refiner stage (task version 1.2.0). See
 * docs/stable-diffusion.md.
 */
export { createSdxlHooks, type SdxlHooks } from './createSdxlHooks.js';
export {
  createSdxlRefiner,
  getRefinerStart,
  refinerDefaults,
  refinerStartNoiseStream,
  refinerStepNoiseStream,
} from './createSdxlRefiner.js';
export { SdxlModelError } from './errors.js';
export { getSdxlTimeIds, isSdxlModel, loadSdxl, type SdxlParts } from './loadSdxl.js';
export { loadSdxlRefiner, type SdxlRefiner } from './loadSdxlRefiner.js';
