import { readFileSync } from 'node:fs';
import { BaseError } from '@verinet/protocol';
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

const toEnvName = (path: string[]) =>
  envPrefix + path.map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('_');

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

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

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
  let input: Record<string, unknown> = {};
  if (parameters.file) {
    let text: string;
    try {
      text = readFileSync(parameters.file, 'utf8');
    } catch (cause) {
      throw new BridgeConfigError(`Cannot read the bridge config file ${parameters.file}.`, { cause });
    }
    try {
      input = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new BridgeConfigError(`The bridge config file ${parameters.file} is not valid JSON.`, { cause });
    }
    if (!input || typeof input !== 'object' || Array.isArray(input))
      throw new BridgeConfigError(`The bridge config file ${parameters.file} must hold a JSON object.`);
  }
  const known = new Map(envLeaves.map((path) => [toEnvName(path), path]));
  for (const [name, value] of Object.entries(parameters.env ?? {})) {
    if (!name.startsWith(envPrefix) || value === undefined || otherVariables.has(name)) continue;
    const path = known.get(name);
    if (!path)
      throw new BridgeConfigError(`Unknown environment variable ${name}.`, {
        details: [`Known: ${[...known.keys()].join(', ')}`],
      });
    setPath(input, path, coerce(value, path));
  }
  for (const [key, value] of Object.entries(parameters.overrides ?? {}))
    if (value !== undefined) setPath(input, key.split('.'), value);
  const parsed = bridgeConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new BridgeConfigError('Invalid bridge configuration.', {
      details: parsed.error.issues.map((issue) => {
        const path = issue.path.map(String);
        return `${path.join('.') || '(root)'}: ${issue.message}`;
      }),
    });
  if (parsed.data.store.kind === 'postgres' && !parsed.data.store.postgresUrl)
    throw new BridgeConfigError('store.kind is postgres but store.postgresUrl is not set.', {
      details: ['Set VERINET_BRIDGE_STORE_POSTGRES_URL or store.postgresUrl in the config file.'],
    });
  const ids = new Set<string>();
  for (const model of parsed.data.models) {
    if (ids.has(model.id)) throw new BridgeConfigError(`Model ${model.id} is listed twice in models.`);
    ids.add(model.id);
  }
  return parsed.data;
}
