import { type ParseArgsConfig, parseArgs } from 'node:util';
import { BaseError } from '@verinet/protocol';

export class UsageError extends BaseError {
  override name = 'UsageError' as const;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with a typed, actionable error for unknown or malformed options. */
export function parseCommandArgs<const T extends Options, const P extends boolean = false>(
  argv: string[],
  options: T,
  help: string,
  allowPositionals?: P,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: (allowPositionals ?? false) as P,
    });
  } catch (cause) {
    throw new UsageError(cause instanceof Error ? cause.message : String(cause), { details: [help] });
  }
}

/** Parses an integer option within bounds, naming the option when it is wrong. */
export function parseIntegerOption(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}".`);
  }
  return parsed;
}
