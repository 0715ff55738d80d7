import { output } from './output.js';

/**
 * Prints one JSON document on stdout for `--json`: bigints as decimal strings (amounts stay exact), and nothing
 * else on stdout, so the output pipes straight into `jq`.
 */
export function printJson(value: unknown): void {
  output.stdout(`${JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}
