import { BaseError } from '@verinet/protocol';
import type { Hex } from 'viem';

export class PrivateKeyError extends BaseError {
  override name = 'PrivateKeyError' as const;
}

/** The order n of secp256k1: a private key is an integer in 1 … n−1. */
const curveOrder = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Reads a private key as people hold it: 64 hex digits with or without `0x`, in any case, with surrounding
 * whitespace or a trailing newline (a key file, `echo $KEY`). Rejects anything else, and keys outside 1 … n−1,
 * without ever echoing the key in the message.
 *
 * @example
 * parsePrivateKey(' AC0974BEC39A17E36BA4A6B4D238FF944BACB478CBED5EFCAE784D7BF4F2FF80\n') // '0xac09…ff80'
 */
export function parsePrivateKey(input: string, source = 'The private key'): Hex {
  const text = input.trim();
  const digits = /^0[xX]/.test(text) ? text.slice(2) : text;
  if (digits.length === 0) throw new PrivateKeyError(`${source} is empty.`);
  if (!/^[0-9a-fA-F]+$/.test(digits)) {
    throw new PrivateKeyError(`${source} is not hex: a private key is 64 hex digits, with or without 0x.`);
  }
  if (digits.length !== 64) {
    throw new PrivateKeyError(
      `${source} has ${digits.length} hex digits; a private key has exactly 64 (32 bytes), with or without 0x.`,
    );
  }
  const value = BigInt(`0x${digits}`);
  if (value === 0n) throw new PrivateKeyError(`${source} is zero, which is not a valid secp256k1 key.`);
  if (value >= curveOrder) {
    throw new PrivateKeyError(
      `${source} is not below the secp256k1 curve order n, so it is not a valid key (must be 1 … n−1).`,
    );
  }
  return `0x${digits.toLowerCase()}`;
}
