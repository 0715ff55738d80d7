/**
 * LoRA for Stable Diffusion: safetensors files in kohya/A1111 or diffusers/PEFT naming, merged into the
 * UNet and text encoder initializers (located through the model's weights_map.json) before the sessions
 * are created. See docs/stable-diffusion.md.
 */
export { SdLoraError } from './errors.js';
export { defaultLoraFileName, type LoadLoraParameters, loadLora } from './loadLora.js';
export { type MergeLorasParameters, mergeLoras, type WeightedLora } from './mergeLoras.js';
export { type LoraComponent, type LoraModule, parseLoraFile } from './parseLoraFile.js';
