import { type Hex, keccak256 } from 'viem';

/**
 * The `argsHash` of a task: keccak256 of the exact argument bytes uploaded to the relay
 * (normally {@link canonicalizeTaskArgs} output).
 *
 * @example
 * getArgsHash(canonicalizeTaskArgs(args)) // '0x…' (32 bytes)
 */
export function getArgsHash(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}
