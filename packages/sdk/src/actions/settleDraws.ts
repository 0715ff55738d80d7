import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import { toSdkError } from '../chain/toSdkError.js';
import type { SdkContext } from '../client/context.js';
import { withRetry } from '../utils/withRetry.js';

/**
 * F1: a task's node is drawn by the first transaction after its creation block that settles pending draws
 * (`settleDraws()`, also run first by most TaskManager calls). The SDK sends it while its task is Pending, as
 * the node daemons do. Simulated first: when the chain says it would settle nothing (another transaction settled
 * the draws since the app's last read, or they were created in the head block), nothing is sent (a paid no-op
 * otherwise). Its own transaction lands in a later block than the createTask it waited for, so it can draw.
 * Returns whether it was sent.
 */
export async function settleDraws(context: SdkContext, signal?: AbortSignal | undefined): Promise<boolean> {
  const settles = await withRetry(context, { id: '', step: 'settleDraws', signal }, async () => {
    try {
      const { result } = await context.access.publicClient.simulateContract({
        address: context.access.chain.contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'settleDraws',
        account: context.access.address,
        // The next block's view: a draw created in the head block can be settled there (never at 'latest').
        blockTag: 'pending',
      });
      return result;
    } catch (error) {
      throw toSdkError(error, 'settleDraws');
    }
  });
  if (settles === 0n) return false;
  await withRetry(context, { id: '', step: 'settleDraws', signal }, () =>
    context.access.write({ functionName: 'settleDraws', args: [] }),
  );
  return true;
}
