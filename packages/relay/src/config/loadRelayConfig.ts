import { BaseError } from '@verinet/protocol';
import { loadConfigLayers, toConfigEnvName } from '@verinet/protocol/config';
import { type RelayConfig, relayConfigSchema } from './relayConfig.js';

export class RelayConfigError extends BaseError {
  override name = 'RelayConfigError' as const;
}

export type LoadRelayConfigParameters = {
  /** JSON config file; optional. */
  file?: string | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Command-line overrides (highest priority), same shape as the file. */
  overrides?: Record<string, unknown> | undefined;
};

const envPrefix = 'VERINET_RELAY_';

const toEnvName = (path: string[]) => toConfigEnvName(envPrefix, path);

/** Every leaf of the schema with its env variable name, e.g. limits.resultFileBytes ↔ VERINET_RELAY_LIMITS_RESULT_FILE_BYTES. */
export function listRelayEnvVariables(): { name: string; path: string[] }[] {
  const defaults = relayConfigSchema.parse({}) as Record<string, unknown>;
  const out: { name: string; path: string[] }[] = [];
  const walk = (value: Record<string, unknown>, path: string[]) => {
    for (const [key, child] of Object.entries(value)) {
      if (child && typeof child === 'object') walk(child as Record<string, unknown>, [...path, key]);
      else out.push({ name: toEnvName([...path, key]), path: [...path, key] });
    }
  };
  walk(defaults, []);
  // Optional leaves have no default to walk: list them explicitly.
  for (const key of ['postgresUrl', 's3Endpoint', 's3AccessKeyId', 's3SecretAccessKey'])
    out.push({ name: toEnvName(['storage', key]), path: ['storage', key] });
  return out;
}

/** Boolean and integer texts as such (the schema's types); anything else stays a string. */
function coerce(text: string): unknown {
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}

/**
 * The relay's configuration: defaults, then the JSON file, then VERINET_RELAY_* environment variables, then
 * explicit overrides. Unknown keys and bad values are refused with one line per problem.
 *
 * @example
 * const config = loadRelayConfig({ file: 'relay.json', env: process.env });
 */
export function loadRelayConfig(parameters: LoadRelayConfigParameters = {}): RelayConfig {
  const config = loadConfigLayers({
    ...parameters,
    service: 'relay',
    schema: relayConfigSchema,
    envPrefix,
    envLeaves: listRelayEnvVariables().map((variable) => variable.path),
    otherVariables: new Set(['VERINET_RELAY_PASSWORD']),
    coerce,
    issueLine: (path, message) => `${path.join('.') || '(root)'} (${toEnvName(path)}): ${message}`,
    createError: (message, options) => new RelayConfigError(message, options),
  });
  if (config.storage.kind === 'postgres' && !config.storage.postgresUrl)
    throw new RelayConfigError('storage.kind is postgres but storage.postgresUrl is not set.', {
      details: ['Set VERINET_RELAY_STORAGE_POSTGRES_URL or storage.postgresUrl in the config file.'],
    });
  return config;
}
