import { bytesToHex, type Hex } from 'viem';

/**
 * 32 bytes from the platform's cryptographic random source (Web Crypto), as hex.
 *
 * @example
 * createRandomBytes32() // '0x3f…' (66 characters)
 */
export function createRandomBytes32(): Hex {
  return bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}
