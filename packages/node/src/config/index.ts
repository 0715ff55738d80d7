export { getNodeConfigEnvNames, type LoadNodeConfigParameters, loadNodeConfig } from './loadNodeConfig.js';
export { type NodeConfig, type NodeConfigInput, nodeConfigSchema } from './nodeConfig.js';
