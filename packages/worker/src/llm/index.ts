/**
 * The LLM chat backend (transformers.js on onnxruntime-node, CPU): chat template, our own seeded decoding
 * loop, OpenAI-shaped canonical result. `tiny/` generates random-weight GPT-2 and Llama/Qwen2-shaped models
 * for tests and benchmarks.
 */
export { buildChatResult, type ChatResult } from './buildChatResult.js';
export { getLlmCapabilities, llmFeatures } from './capabilities.js';
export { chatmlTemplate } from './chatTemplate.js';
export { createLlmBackend, IncompatibleModelError } from './createLlmBackend.js';
export {
  type ChatCompletion,
  encodeChatPrompt,
  generateChat,
  llmSamplingStream,
  renderChatPrompt,
} from './generateChat.js';
export { getLlmSessionOptions, type LoadedLlm, loadLlm, ModelLoadError } from './loadLlm.js';
export { type ChatPromptMeasure, measureChatPrompt } from './measureChatPrompt.js';
export { argmaxIndex, type DecodingConfig, processLogits, softmax } from './processLogits.js';
export {
  defaultMaxNewTokens,
  type EffectiveGenerationConfig,
  huggingFaceGenerationDefaults,
  resolveGenerationConfig,
} from './resolveGenerationConfig.js';
export { selectToken } from './selectToken.js';
export { createTinyLlamaOnnx, type TinyLlamaDimensions } from './tiny/createTinyLlamaOnnx.js';
export { createTinyGpt2Files, tinyGpt2ModelId, writeTinyGpt2 } from './tiny/writeTinyGpt2.js';
export {
  type CreateTinyLlamaFilesOptions,
  createTinyLlamaFiles,
  type TinyLlamaArchitecture,
  tinyLlamaModelId,
  tinyQwen2ModelId,
  writeTinyLlama,
} from './tiny/writeTinyLlama.js';
