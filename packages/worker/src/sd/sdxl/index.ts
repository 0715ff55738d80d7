/**
 * SDXL text-to-image (base model): two text encoders with their penultimate states joined, pooled
 * `text_embeds`, `time_ids` size and crop conditioning. The refiner is not implemented. See
 * docs/stable-diffusion.md.
 */
export { createSdxlHooks, type SdxlHooks } from './createSdxlHooks.js';
export { SdxlModelError } from './errors.js';
export { getSdxlTimeIds, isSdxlModel, loadSdxl, type SdxlParts } from './loadSdxl.js';
