/**
 * @verinet/bridge: the application backend for centralized apps (docs/bridge.md). It holds the wallet and
 * pays; users authenticate with API keys; an OpenAI-compatible API and a native task API run jobs through the
 * SDK; jobs live in SQLite or PostgreSQL and survive restarts.
 */
export { buildBridge } from './app/buildBridge.js';
export type { BridgeContext } from './app/context.js';
export {
  type BridgeStartError,
  type StartBridgeOptions,
  type StartedBridge,
  startBridge,
} from './cli/startBridge.js';
export { type BridgeConfig, type BridgeModel, bridgeConfigSchema } from './config/bridgeConfig.js';
export { BridgeConfigError, loadBridgeConfig } from './config/loadBridgeConfig.js';
export { BridgeError, type OpenAiErrorBody } from './errors/BridgeError.js';
export { type BridgeErrorCode, bridgeErrors } from './errors/catalogue.js';
export { addApiKey } from './keys/addApiKey.js';
export { openJobStore } from './store/openJobStore.js';
export type { ApiKeyRecord, JobRecord, JobStore } from './store/types.js';
