import { randomInt } from 'node:crypto';
import { MAX_SEED } from '@verinet/protocol/args';

/**
 * A random seed for a task that did not give one, drawn so that every image's seed (seed + i for
 * i < count) stays within the task schema's range 0 … 2^31−1.
 *
 * @example
 * drawSeed(4) // 0 … 2^31 − 4
 */
export function drawSeed(count = 1): number {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SEED)
    throw new RangeError(`bad seed count ${count}`);
  // randomInt's upper bound is exclusive: the largest seed drawn is MAX_SEED − (count − 1).
  return randomInt(0, MAX_SEED - count + 2);
}
