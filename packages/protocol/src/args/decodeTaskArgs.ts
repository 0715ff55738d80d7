import { canonicalizeJson } from './canonicalizeJson.js';
import { CanonicalJsonError, InvalidTaskArgsError } from './errors.js';

/** Largest argument document a node accepts; the same constant on every node, so the verdict is shared. */
export const MAX_TASK_ARGS_BYTES = 4 * 1024 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes downloaded argument bytes into a JSON value, refusing anything that is not exactly RFC 8785
 * canonical JSON. The canonical check removes every way two JSON parsers could read the same bytes
 * differently (duplicate member names, number spellings, escapes, a BOM), so nodes in other runtimes
 * reach the same verdict. Throws {@link InvalidTaskArgsError} (kind `invalid`, field empty).
 *
 * @example
 * decodeTaskArgs(new TextEncoder().encode('{"a":1}')) // { a: 1 }
 * decodeTaskArgs(new TextEncoder().encode('{ "a": 1 }')) // throws: not canonical
 */
export function decodeTaskArgs(bytes: Uint8Array): unknown {
  const fail = (reason: string, cause?: unknown): never => {
    throw new InvalidTaskArgsError([{ field: '', kind: 'invalid', reason }], { cause });
  };
  if (bytes.length > MAX_TASK_ARGS_BYTES)
    fail(`${bytes.length} bytes, above the ${MAX_TASK_ARGS_BYTES} limit`);
  let text = '';
  try {
    text = decoder.decode(bytes);
  } catch (error) {
    fail('not valid UTF-8', error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(`not valid JSON (${(error as Error).message})`, error);
  }
  let canonical = '';
  try {
    canonical = canonicalizeJson(value);
  } catch (error) {
    fail(error instanceof CanonicalJsonError ? error.shortMessage : 'not canonical JSON', error);
  }
  if (canonical !== text) fail('not RFC 8785 canonical JSON; upload canonicalizeTaskArgs(args) bytes');
  return value;
}
