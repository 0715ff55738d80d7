import { UsageError } from './errors.js';

/**
 * A commander argument parser for an integer option within bounds. Commander hands the raw text over even when
 * it starts with a dash, so `--port -1` reaches this range check instead of being taken for an option.
 *
 * @example
 * command.option('--port <n>', 'RPC port', parseIntegerArgument('--port', 1, 65535), 8545);
 */
export function parseIntegerArgument(flag: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${value}".`);
    }
    return parsed;
  };
}

/**
 * A commander argument parser for a value among a fixed set, in any case and with spaces around it (`--type SD`
 * is `--type sd`).
 *
 * @example
 * command.option('--task-type <type>', 'sd or llm', parseChoiceArgument('--task-type', ['sd', 'llm']));
 */
export function parseChoiceArgument<const T extends string>(
  flag: string,
  choices: readonly T[],
  /** What each choice does, said after the error (what to do instead). */
  hint?: string | undefined,
) {
  return (value: string): T => {
    const wanted = value.trim().toLowerCase();
    const choice = choices.find((candidate) => candidate.toLowerCase() === wanted);
    if (choice === undefined) {
      throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got "${value}".`, {
        details: hint ? [hint] : [],
      });
    }
    return choice;
  };
}
