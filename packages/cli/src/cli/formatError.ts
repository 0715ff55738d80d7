import { BaseError } from '@verinet/protocol';
import { escapeControlCharacters } from './escapeControlCharacters.js';

export type FormatErrorParameters = {
  /** Show the stack and causes too (`--verbose` or `DEBUG=verinet`). */
  verbose: boolean;
};

/**
 * Turns any error into what the CLI prints: one line (what is wrong, then what to do), or the whole chain of
 * causes with stacks when verbose. Errors we did not anticipate still print one line, pointing at --verbose.
 *
 * @example
 * console.error(formatError(error, { verbose: false })); // "error: No keystore at k.json. Create one with …"
 */
export function formatError(error: unknown, { verbose }: FormatErrorParameters): string {
  // Messages may quote the network (a node's error text): shown, never obeyed by the terminal.
  const line = `error: ${escapeControlCharacters(toOneLine(error))}`;
  if (!verbose) return line;
  const parts = [line];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}

function toOneLine(error: unknown): string {
  if (error instanceof BaseError) {
    return [error.shortMessage, ...error.details]
      .map((part) => part.trim())
      .filter((part) => part.length > 0)
      .join(' ')
      .replace(/\s*\n\s*/g, ' ');
  }
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0]?.trim() || 'unknown error';
  return `${first} (unexpected; run again with --verbose for details)`;
}
