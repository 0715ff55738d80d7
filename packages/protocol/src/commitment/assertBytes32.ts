import type { Hex } from 'viem';
import { InvalidBytes32Error } from './errors.js';

const bytes32Pattern = /^0x[0-9a-fA-F]{64}$/;

/** Throws {@link InvalidBytes32Error} unless `value` is a 0x-prefixed 32-byte hex string. */
export function assertBytes32(what: string, value: unknown): asserts value is Hex {
  if (typeof value !== 'string' || !bytes32Pattern.test(value)) throw new InvalidBytes32Error(what, value);
}
