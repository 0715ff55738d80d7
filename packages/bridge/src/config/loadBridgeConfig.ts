import { BaseError } from '@verinet/protocol';
import { loadConfigLayers } from '@verinet/protocol/config';
import { type BridgeConfig, bridgeConfigSchema } from './bridgeConfig.js';

export class BridgeConfigError extends BaseError {
  override name = 'BridgeConfigError' as const;
}

export type LoadBridgeConfigParameters = {
  /** JSON config file; optional. */
  file?: string | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Highest priority, dotted paths (`store.kind`). */
  overrides?: Record<string, unknown> | undefined;
};

const envPrefix = 'VERINET_BRIDGE_';
/** Environment variables read elsewhere (not config leaves). */
const otherVariables = new Set(['VERINET_BRIDGE_PASSWORD']);

/** Scalar leaves settable from the environment (models are a list: file only). */
const envLeaves: string[][] = [
  ['host'],
  ['port'],
  ['publicUrl'],
  ['logLevel'],
  ['rpcUrl'],
  ['relayUrl'],
  ['pollIntervalMs'],
  ['explorerUrl'],
  ['deploymentFile'],
  ['keystoreFile'],
  ['modelsDir'],
  ['webDir'],
  ['instanceId'],
  ['store', 'kind'],
  ['store', 'sqlitePath'],
  ['store', 'postgresUrl'],
  ['fees', 'sd'],
  ['fees', 'llm'],
  ['keyDefaults', 'requestsPerMinute'],
  ['keyDefaults', 'spendLimitWei'],
  ['limits', 'jsonBodyBytes'],
  ['limits', 'waitSeconds'],
  ['limits', 'concurrentJobs'],
  ['limits', 'imageUrlSeconds'],
  ['limits', 'argsBytes'],
  ['limits', 'unfinishedJobsPerKey'],
  ['limits', 'followersPerJob'],
  ['limits', 'followersPerKey'],
  ['limits', 'jobLeaseSeconds'],
];

const coerce = (text: string, path: string[]): unknown =>
  // Wei amounts stay strings (they may exceed 2^53).
  path[0] !== 'fees' && path[1] !== 'spendLimitWei' && /^\d+$/.test(text) ? Number(text) : text;

/**
 * The bridge's configuration: defaults, then the JSON file, then VERINET_BRIDGE_* variables, then explicit
 * overrides. Unknown keys and bad values are refused, one line per problem.
 *
 * @example
 * const config = loadBridgeConfig({ file: 'bridge.json', env: process.env });
 */
export function loadBridgeConfig(parameters: LoadBridgeConfigParameters = {}): BridgeConfig {
  const config = loadConfigLayers({
    ...parameters,
    service: 'bridge',
    schema: bridgeConfigSchema,
    envPrefix,
    envLeaves,
    otherVariables,
    coerce,
    createError: (message, options) => new BridgeConfigError(message, options),
  });
  if (config.store.kind === 'postgres' && !config.store.postgresUrl)
    throw new BridgeConfigError('store.kind is postgres but store.postgresUrl is not set.', {
      details: ['Set VERINET_BRIDGE_STORE_POSTGRES_URL or store.postgresUrl in the config file.'],
    });
  const ids = new Set<string>();
  for (const model of config.models) {
    if (ids.has(model.id)) throw new BridgeConfigError(`Model ${model.id} is listed twice in models.`);
    ids.add(model.id);
  }
  return config;
}
