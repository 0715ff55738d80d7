/** Tiny random-weight Stable Diffusion fixtures, generated in code at test time (never committed). */

export {
  buildTinyTextEncoder,
  buildTinyUnet,
  buildTinyVaeDecoder,
  buildTinyVaeEncoder,
  defaultTinySdSizes,
  type TinySdSizes,
} from './tinyModels.js';
export { createTinyClipVocabulary, tinyMerges } from './tinyTokenizer.js';
export {
  sd15SchedulerConfig,
  sd21SchedulerConfig,
  type WriteTinySdModelParameters,
  writeTinySdModel,
} from './writeTinySdModel.js';
