/**
 * @verinet/sdk: the application side of the Verinet protocol (docs/sdk.md). Browser-safe: Node-only parts
 * (the SQLite store) live in '@verinet/sdk/node'.
 */

export {
  createFeeReader,
  defaultFeeMaxAgeMs,
  type FeeReader,
  getTransactionFees,
  isFeeRefusal,
  type TransactionFees,
} from '@verinet/protocol/chain/createFeeReader';
export { abortTask } from './actions/abortTask.js';
export { createGroupMembers } from './actions/createGroupMembers.js';
export { createTask } from './actions/createTask.js';
export { downloadResult } from './actions/downloadResult.js';
export { type PrepareTaskParameters, prepareTask } from './actions/prepareTask.js';
export { resubmitTask } from './actions/resubmitTask.js';
export { runTask } from './actions/runTask.js';
export { sampleTask } from './actions/sampleTask.js';
export { uploadArgs } from './actions/uploadArgs.js';
export { validateTask } from './actions/validateTask.js';
export {
  type WaitForReportOptions,
  type WaitForReportReturnType,
  waitForReport,
} from './actions/waitForReport.js';
export { getOwed, withdraw } from './actions/withdraw.js';
export { getChainFromDeployment } from './chain/getChainFromDeployment.js';
export { getGasLimit, isOutOfGas } from './chain/getGasLimit.js';
export { chooseDefaultFee, defaultFeeCapMultiple } from './chain/reads.js';
export type { SdkContext } from './client/context.js';
export { createClient, type VerinetClient } from './client/createClient.js';
export * from './errors/index.js';
export {
  type ChatCompletion,
  type ChatCompletionCreateParameters,
  createChatCompletion,
  toLlmTaskArgs,
} from './high/createChatCompletion.js';
export {
  type GeneratedImage,
  generateImages,
  type ImagesGenerateParameters,
  type ImagesGenerateResult,
} from './high/generateImages.js';
export {
  type ArgsStatement,
  createRelayClient,
  type RelayClient,
  type ResultManifest,
} from './relay/createRelayClient.js';
export {
  type CreateIndexedDbStoreParameters,
  createIndexedDbStore,
  type IdbFactory,
} from './store/createIndexedDbStore.js';
export { createMemoryStore } from './store/createMemoryStore.js';
export type { TaskStore } from './store/types.js';
export type * from './types.js';
export { decodePng } from './verify/decodePng.js';
export { getExpectedNames, type VerifyResultParameters, verifyResult } from './verify/verifyResult.js';
