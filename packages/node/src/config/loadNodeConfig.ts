import { readFileSync } from 'node:fs';
import { NodeConfigError } from '../errors/index.js';
import { type NodeConfig, nodeConfigSchema } from './nodeConfig.js';

export type LoadNodeConfigParameters = {
  /** JSON config file; optional (defaults and the environment alone are enough for a devnet). */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Values from command-line options; they win over the file and the environment. */
  overrides?: Record<string, unknown> | undefined;
};

const envPrefix = 'VERINET_NODE_';
const toEnvName = (path: string[]) =>
  envPrefix + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');

/** Every config path with its environment variable name, e.g. `api.port` → `VERINET_NODE_API_PORT`. */
export function getNodeConfigEnvNames(): Map<string, string[]> {
  const names = new Map<string, string[]>();
  const shape = nodeConfigSchema.shape;
  for (const [key, value] of Object.entries(shape)) {
    const inner = (value as unknown as { def?: { innerType?: { shape?: Record<string, unknown> } } }).def
      ?.innerType?.shape;
    if (inner) {
      for (const sub of Object.keys(inner)) names.set(toEnvName([key, sub]), [key, sub]);
    } else {
      names.set(toEnvName([key]), [key]);
    }
  }
  return names;
}

/**
 * Reads the config file, applies `VERINET_NODE_*` environment overrides and command-line overrides, and
 * validates the result. A bad value is one clear error naming the setting and where it came from.
 *
 * @example
 * const config = loadNodeConfig({ path: 'node.json' });
 */
export function loadNodeConfig(parameters: LoadNodeConfigParameters = {}): NodeConfig {
  const env = parameters.env ?? process.env;
  const sources = new Map<string, string>();
  let raw: Record<string, unknown> = {};
  if (parameters.path) {
    let text: string;
    try {
      text = readFileSync(parameters.path, 'utf8');
    } catch (cause) {
      throw new NodeConfigError(`Cannot read the node config file ${parameters.path}.`, { cause });
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new NodeConfigError(`The node config file ${parameters.path} is not valid JSON.`, {
        details: [(cause as Error).message],
      });
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new NodeConfigError(`The node config file ${parameters.path} must hold a JSON object.`);
    }
  }
  for (const [name, path] of getNodeConfigEnvNames()) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (path.length === 1) raw[path[0]!] = value;
    else raw[path[0]!] = { ...((raw[path[0]!] as object) ?? {}), [path[1]!]: value };
    sources.set(path.join('.'), `environment variable ${name}`);
  }
  for (const [key, value] of Object.entries(parameters.overrides ?? {})) {
    if (value === undefined) continue;
    raw[key] = value;
    sources.set(key, 'the command line');
  }
  const parsed = nodeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    const from =
      sources.get(path) ?? (parameters.path ? `the config file ${parameters.path}` : 'the defaults');
    throw new NodeConfigError(
      `Invalid node setting \`${path || '(root)'}\` (from ${from}): ${issue.message}.`,
      {
        details: parsed.error.issues.slice(1).map((i) => `also \`${i.path.join('.')}\`: ${i.message}`),
      },
    );
  }
  return parsed.data;
}
