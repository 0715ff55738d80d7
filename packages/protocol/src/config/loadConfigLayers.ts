import { readFileSync } from 'node:fs';
import type { z } from 'zod';

/** How a service names and builds its configuration errors (one class per service, e.g. RelayConfigError). */
export type ConfigErrorFactory = (
  message: string,
  options?: { details?: string[] | undefined; cause?: unknown },
) => Error;

export type LoadConfigLayersParameters<T> = {
  /** The service, as messages name it: `relay` → "Cannot read the relay config file …". */
  service: string;
  schema: z.ZodType<T>;
  /** JSON config file; optional. */
  file?: string | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Highest priority, dotted paths (`storage.kind`). */
  overrides?: Record<string, unknown> | undefined;
  /** `VERINET_RELAY_`: every variable with it must name one of `envLeaves` or be in `otherVariables`. */
  envPrefix: string;
  /** Config paths settable from the environment. */
  envLeaves: string[][];
  /** Variables with the prefix that are read elsewhere (a password), not config leaves. */
  otherVariables?: ReadonlySet<string> | undefined;
  /** A variable's text as the schema expects it (numbers, booleans). */
  coerce: (text: string, path: string[]) => unknown;
  /** One line per schema issue; `path.join('.'): message` by default. */
  issueLine?: ((path: string[], message: string) => string) | undefined;
  createError: ConfigErrorFactory;
};

/** `limits.resultFileBytes` under `VERINET_RELAY_` → `VERINET_RELAY_LIMITS_RESULT_FILE_BYTES`. */
export function toConfigEnvName(prefix: string, path: string[]): string {
  return prefix + path.map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('_');
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/**
 * A service's configuration in layers: the schema's defaults, then the JSON file, then the service's
 * environment variables, then explicit overrides; unknown variables and bad values are refused with one line
 * per problem. The relay and the bridge load theirs with it; each keeps its own checks after the schema.
 *
 * @example
 * const config = loadConfigLayers({ service: 'relay', schema, envPrefix: 'VERINET_RELAY_', envLeaves, coerce, createError, env: process.env });
 */
export function loadConfigLayers<T>(parameters: LoadConfigLayersParameters<T>): T {
  const { service, file, createError } = parameters;
  let input: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw createError(`Cannot read the ${service} config file ${file}.`, { cause });
    }
    try {
      input = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw createError(`The ${service} config file ${file} is not valid JSON.`, { cause });
    }
    if (!input || typeof input !== 'object' || Array.isArray(input))
      throw createError(`The ${service} config file ${file} must hold a JSON object.`);
  }
  const known = new Map(
    parameters.envLeaves.map((path) => [toConfigEnvName(parameters.envPrefix, path), path]),
  );
  for (const [name, value] of Object.entries(parameters.env ?? {})) {
    if (!name.startsWith(parameters.envPrefix) || value === undefined) continue;
    if (parameters.otherVariables?.has(name)) continue;
    const path = known.get(name);
    if (!path)
      throw createError(`Unknown environment variable ${name}.`, {
        details: [`Known: ${[...known.keys()].join(', ')}`],
      });
    setPath(input, path, parameters.coerce(value, path));
  }
  for (const [key, value] of Object.entries(parameters.overrides ?? {}))
    if (value !== undefined) setPath(input, key.split('.'), value);
  const parsed = parameters.schema.safeParse(input);
  if (!parsed.success) {
    const line =
      parameters.issueLine ??
      ((path: string[], message: string) => `${path.join('.') || '(root)'}: ${message}`);
    throw createError(`Invalid ${service} configuration.`, {
      details: parsed.error.issues.map((issue) => line(issue.path.map(String), issue.message)),
    });
  }
  return parsed.data;
}
