import { canonicalizeJson } from './canonicalizeJson.js';

const encoder = new TextEncoder();

/**
 * Encodes task arguments as the bytes an application uploads and hashes: the RFC 8785 canonical JSON of
 * exactly the arguments it wrote (not the parsed form with defaults), in UTF-8.
 *
 * @example
 * const bytes = canonicalizeTaskArgs({ prompt: 'a cat', base_model: 'runwayml/stable-diffusion-v1-5' });
 * new TextDecoder().decode(bytes) // '{"base_model":"runwayml/stable-diffusion-v1-5","prompt":"a cat"}'
 */
export function canonicalizeTaskArgs(args: unknown): Uint8Array {
  return encoder.encode(canonicalizeJson(args));
}
