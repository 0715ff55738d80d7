import type { Hex } from 'viem';
import { VrfInvalidBytesError } from './errors.js';

/** Bytes as callers hand them in: raw, or 0x-prefixed hex. */
export type BytesLike = Uint8Array | Hex;

/**
 * Normalizes a `BytesLike` input to a fresh Uint8Array.
 *
 * @example
 * toBytes('0x73616d706c65', 'alpha'); // Uint8Array [115, 97, 109, 112, 108, 101]
 */
export function toBytes(value: BytesLike, what: string): Uint8Array {
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) {
    throw new VrfInvalidBytesError({ what, value });
  }
  const out = new Uint8Array((value.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(value.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}
