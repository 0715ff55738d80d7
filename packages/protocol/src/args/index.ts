/**
 * Task arguments: versioned zod schemas (SD text-to-image, LLM chat, SD LoRA fine-tuning), the parser
 * nodes run before executing, canonical JSON and the args hash, version and model-id encodings.
 * See docs/task-args.md.
 */

export { canonicalizeJson } from './canonicalizeJson.js';
export { canonicalizeTaskArgs } from './canonicalizeTaskArgs.js';
export type { Dtype, NamedModel } from './common.js';
export { dtypeSchema, MAX_SEED } from './common.js';
export { decodeTaskArgs, MAX_TASK_ARGS_BYTES } from './decodeTaskArgs.js';
export { type EncodeTaskArgsReturnType, encodeTaskArgs } from './encodeTaskArgs.js';
export {
  CanonicalJsonError,
  InvalidModelIdError,
  InvalidTaskArgsError,
  type InvalidTaskArgsKind,
  InvalidVersionError,
  type TaskArgsIssue,
} from './errors.js';
export { getArgsHash } from './getArgsHash.js';
export {
  getTaskArgsVerdict,
  isUnsupportedTaskArgsError,
  runnableTaskTypes,
  type TaskArgsVerdict,
} from './getTaskArgsVerdict.js';
export { getTaskModelIds } from './getTaskModelIds.js';
export { getTaskArgsJsonSchemas } from './jsonSchemas.js';
export {
  LLM_TASK_ARGS_VERSION,
  type LlmGenerationConfig,
  type LlmMessage,
  type LlmTaskArgs,
  type LlmTaskArgsInput,
  llmGenerationConfigSchema,
  llmTaskArgsSchema,
} from './llm.js';
export { formatModelId, getModelId, type ModelId, parseModelId } from './modelId.js';
export { parseTaskArgs, type TaskArgsByType, taskArgsVersions } from './parseTaskArgs.js';
export { parseTaskArgsBytes } from './parseTaskArgsBytes.js';
export {
  getSdSchedulerMethod,
  // Adapters (since 1.1.0)
  MAX_SD_ADAPTERS,
  readPngHeader,
  SD_TASK_ARGS_VERSION,
  type SdLora,
  type SdScheduler,
  type SdSchedulerMethod,
  type SdSchedulerMethodName,
  type SdTaskArgs,
  type SdTaskArgsInput,
  type SdTextualInversion,
  sdInitImageSchema,
  sdInpaintSchema,
  sdLorasSchema,
  sdSchedulerArgsV1_0,
  sdSchedulerSchema,
  sdTaskArgsSchema,
  sdTextualInversionSchema,
  sdTextualInversionsSchema,
} from './sd.js';
export {
  SD_FINETUNE_TASK_ARGS_VERSION,
  type SdFinetuneTaskArgs,
  type SdFinetuneTaskArgsInput,
  sdFinetuneTaskArgsSchema,
} from './sdFinetune.js';
export { getUnsupportedFields } from './support.js';
export { type TaskType, taskTypes } from './taskType.js';
export {
  compareVersions,
  formatVersion,
  isVersionCompatible,
  packVersion,
  parseVersion,
  unpackVersion,
  type Version,
} from './version.js';
