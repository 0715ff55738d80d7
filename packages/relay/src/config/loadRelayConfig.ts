import { readFileSync } from 'node:fs';
import { BaseError } from '@verinet/protocol';
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

function toEnvName(path: string[]): string {
  return envPrefix + path.map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('_');
}

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

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

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
  let input: Record<string, unknown> = {};
  if (parameters.file) {
    let text: string;
    try {
      text = readFileSync(parameters.file, 'utf8');
    } catch (cause) {
      throw new RelayConfigError(`Cannot read the relay config file ${parameters.file}.`, { cause });
    }
    try {
      input = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new RelayConfigError(`The relay config file ${parameters.file} is not valid JSON.`, { cause });
    }
    if (!input || typeof input !== 'object' || Array.isArray(input))
      throw new RelayConfigError(`The relay config file ${parameters.file} must hold a JSON object.`);
  }
  const env = parameters.env ?? {};
  const known = new Map(listRelayEnvVariables().map((v) => [v.name, v.path]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(envPrefix) || value === undefined) continue;
    if (name === 'VERINET_RELAY_PASSWORD') continue;
    const path = known.get(name);
    if (!path)
      throw new RelayConfigError(`Unknown environment variable ${name}.`, {
        details: [`Known: ${[...known.keys()].join(', ')}`],
      });
    setPath(input, path, coerce(value));
  }
  for (const [key, value] of Object.entries(parameters.overrides ?? {})) {
    if (value !== undefined) setPath(input, key.split('.'), value);
  }
  const parsed = relayConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new RelayConfigError('Invalid relay configuration.', {
      details: parsed.error.issues.map((issue) => {
        const path = issue.path.map(String);
        return `${path.join('.') || '(root)'} (${toEnvName(path)}): ${issue.message}`;
      }),
    });
  }
  if (parsed.data.storage.kind === 'postgres' && !parsed.data.storage.postgresUrl)
    throw new RelayConfigError('storage.kind is postgres but storage.postgresUrl is not set.', {
      details: ['Set VERINET_RELAY_STORAGE_POSTGRES_URL or storage.postgresUrl in the config file.'],
    });
  return parsed.data;
}
