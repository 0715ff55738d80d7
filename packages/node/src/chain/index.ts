export {
  type CreateChainClientParameters,
  createChainClient,
  getDeploymentChain,
} from './createChainClient.js';
export {
  type ChainFeed,
  type ChainSource,
  type CreateChainFeedParameters,
  createChainFeed,
} from './createChainFeed.js';
export {
  type ChainWatcher,
  type ChainWatcherParameters,
  type ChainWatcherStatus,
  createChainWatcher,
} from './createChainWatcher.js';
export { describeContractError } from './describeContractError.js';
export { describeRpcError } from './describeRpcError.js';
export * from './taskManager.js';
