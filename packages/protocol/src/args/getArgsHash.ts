import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Hex } from 'viem';

/**
 * The `argsHash` of a task: keccak256 of the exact argument bytes uploaded to the relay
 * (normally {@link canonicalizeTaskArgs} output).
 *
 * @example
 * getArgsHash(canonicalizeTaskArgs(args)) // '0x…' (32 bytes)
 */
export function getArgsHash(bytes: Uint8Array): Hex {
  // noble rather than viem's keccak256: the worker process imports this, and loading all of viem there
  // cost seconds of start-up on a busy machine.
  return `0x${bytesToHex(keccak_256(bytes))}`;
}
