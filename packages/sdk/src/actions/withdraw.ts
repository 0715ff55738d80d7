import { readOwed } from '../chain/reads.js';
import type { SdkContext } from '../client/context.js';
import { withRetry } from '../utils/withRetry.js';

/** Fees owed back to the app (refunds of aborted, refused or group-refunded tasks), in wei. */
export async function getOwed(context: SdkContext): Promise<bigint> {
  return withRetry(context, { id: '', step: 'read-owed' }, () => readOwed(context, context.access.address));
}

/**
 * Collects every fee owed back to the app (pull payment): one `withdraw` transaction, none when nothing is owed.
 *
 * @example
 * const { amount } = await client.withdraw();
 */
export async function withdraw(
  context: SdkContext,
): Promise<{ amount: bigint; txHash: `0x${string}` | null }> {
  const amount = await getOwed(context);
  if (amount === 0n) return { amount, txHash: null };
  const receipt = await withRetry(context, { id: '', step: 'withdraw' }, () =>
    context.access.write({ functionName: 'withdraw', args: [] }),
  );
  return { amount, txHash: receipt.transactionHash };
}
