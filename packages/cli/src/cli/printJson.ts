import { output } from './output.js';

/** What JSON.stringify leaves raw and a terminal may obey: DEL, the C1 controls (0x9b is a CSI), bidi overrides. */
const unsafe = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Prints one JSON document on stdout for `--json`: bigints as decimal strings (amounts stay exact), and nothing
 * else on stdout, so the output pipes straight into `jq`. Model text may hold control characters: those
 * JSON.stringify leaves raw are written as `\uXXXX` escapes too (the same JSON value), so a terminal shows them.
 */
export function printJson(value: unknown): void {
  const json = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
  output.stdout(`${json.replace(unsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`);
}
