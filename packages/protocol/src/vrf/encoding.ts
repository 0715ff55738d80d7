import type { Hex } from 'viem';
import { type Point, vrfScalarLength } from './constants.js';

/** Big-endian unsigned integer of a byte string. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let out = 0n;
  for (const b of bytes) out = (out << 8n) | BigInt(b);
  return out;
}

/** Big-endian encoding of `value` on exactly `length` bytes (the caller guarantees it fits). */
export function bigIntToBytes(value: bigint, length: number = vrfScalarLength): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function bytesToHex(bytes: Uint8Array): Hex {
  let out = '0x';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out as Hex;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The draft's point_to_string: SEC1 compressed form (parity prefix ‖ x). */
export function pointToBytes(point: Point): Uint8Array {
  return point.toBytes(true);
}
