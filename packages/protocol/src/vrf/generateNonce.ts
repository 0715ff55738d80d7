import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { curveOrder } from './constants.js';
import { bigIntToBytes, bytesToBigInt, concatBytes } from './encoding.js';

/**
 * Which RFC 6979 input the nonce is derived from. `draft`: h1 = SHA-256(h_string), as the draft says and
 * VeChain go-ecvrf does. `witnet`: h1 = the first 32 bytes of h_string, unhashed, as Witnet vrf-rs does.
 * Both give valid proofs with the same gamma and beta; only c and s differ.
 */
export type NonceVariant = 'draft' | 'witnet';

/**
 * ECVRF_nonce_generation_RFC6979 with SHA-256: the deterministic k of RFC 6979 section 3.2 for secret
 * scalar `x` and message `hString` (the compressed H). qlen = hlen = 256, so bits2int needs no shift.
 *
 * @example
 * const k = generateNonce(x, pointToBytes(H));
 */
export function generateNonce(x: bigint, hString: Uint8Array, variant: NonceVariant = 'draft'): bigint {
  const h1 = bytesToBigInt(variant === 'draft' ? sha256(hString) : hString.subarray(0, 32));
  const xOctets = bigIntToBytes(x);
  const hOctets = bigIntToBytes(h1 >= curveOrder ? h1 - curveOrder : h1);
  let v = new Uint8Array(32).fill(1);
  let k = new Uint8Array(32);
  k = hmac(sha256, k, concatBytes(v, Uint8Array.of(0x00), xOctets, hOctets));
  v = hmac(sha256, k, v);
  k = hmac(sha256, k, concatBytes(v, Uint8Array.of(0x01), xOctets, hOctets));
  v = hmac(sha256, k, v);
  // Each round succeeds unless the candidate is 0 or >= n (probability about 2^-128), so this ends.
  for (;;) {
    v = hmac(sha256, k, v);
    const candidate = bytesToBigInt(v);
    if (candidate > 0n && candidate < curveOrder) return candidate;
    k = hmac(sha256, k, concatBytes(v, Uint8Array.of(0x00)));
    v = hmac(sha256, k, v);
  }
}
