/**
 * The Verinet relay: task arguments and results, authorized by chain state (docs/relay-api.md).
 */
export { buildRelay } from './app/buildRelay.js';
export type { RelayContext } from './app/context.js';
export { createRelayContext } from './app/createRelayContext.js';
export { createChainReader } from './chain/createChainReader.js';
export { RelayStartError, type StartedRelay, type StartRelayOptions, startRelay } from './cli/startRelay.js';
export { listRelayEnvVariables, loadRelayConfig, RelayConfigError } from './config/loadRelayConfig.js';
export { type RelayConfig, relayConfigSchema } from './config/relayConfig.js';
export { type RelayErrorCode, relayErrors } from './errors/catalogue.js';
export { RelayError } from './errors/RelayError.js';
export { runRetention } from './retention/runRetention.js';
export { createRelayStorage } from './storage/createRelayStorage.js';
export type { MetaStore, ObjectStore, RelayStorage } from './storage/types.js';
