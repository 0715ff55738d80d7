import type { ArgsQuota, ArgsUsage } from './types.js';

/**
 * Which pending-upload limit `size` more bytes from this creator would cross, or undefined when none. One
 * function for both meta stores (inside their insert transaction) and for the early check before the object is
 * written, so the three agree.
 *
 * A creator the relay has seen create a task ("established": a task of theirs is linked to arguments it holds)
 * has the full per-address limits and shares the total. Any other address ("new": fresh keys cost nothing)
 * has smaller limits and shares a pool of its own, so many fresh keys can fill only that pool, never the room
 * of apps that already pay for tasks.
 *
 * @example
 * const refusal = getArgsQuotaRefusal(await meta.getArgsUsage(creator), bytes.length, quota);
 */
export function getArgsQuotaRefusal(used: ArgsUsage, size: number, quota: ArgsQuota): string | undefined {
  const [count, bytes] = used.established
    ? [quota.perCreatorCount, quota.perCreatorBytes]
    : [quota.newCreatorCount, quota.newCreatorBytes];
  const who = used.established ? 'This address' : 'This address (no task of it seen yet)';
  if (used.creatorCount + 1 > count)
    return `${who} already holds ${used.creatorCount} pending uploads (limit ${count})`;
  if (used.creatorBytes + size > bytes)
    return `${who} already holds ${used.creatorBytes} pending bytes; ${size} more exceed its ${bytes}`;
  if (!used.established && used.newCreatorsBytes + size > quota.newCreatorsTotalBytes)
    return `Addresses without a task hold ${used.newCreatorsBytes} pending bytes together; ${size} more exceed their ${quota.newCreatorsTotalBytes}`;
  if (used.totalBytes + size > quota.totalBytes)
    return `The relay holds ${used.totalBytes} pending bytes; ${size} more exceed its ${quota.totalBytes}`;
  return undefined;
}
