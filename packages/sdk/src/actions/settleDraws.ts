import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import type { TransactionReceipt } from 'viem';
import { toSdkError } from '../chain/toSdkError.js';
import type { SdkContext } from '../client/context.js';
import { withRetry } from '../utils/withRetry.js';

/**
 * The settlement under way per chain (RPC URL and TaskManager) in this process: the shared feed wakes every waiting
 * draw at the same head, and each would pass the simulation before any transaction lands (review s8: three paid,
 * two of them no-ops). A wait that finds one under way waits for it instead: it settles every draw pending then.
 */
const underWay = new Map<string, Promise<TransactionReceipt | false>>();

/**
 * F1: a task's node is drawn by the first transaction after its creation block that settles pending draws
 * (`settleDraws()`, also run first by most TaskManager calls). The SDK sends it while its task is Pending, as
 * the node daemons do. Simulated first: when the chain says it would settle nothing (another transaction settled
 * the draws since the app's last read, or they were created in the head block), nothing is sent (a paid no-op
 * otherwise). One at a time per chain in a process (see `underWay`); it counts as a write of the process from
 * before the simulation (the feed's busy test). Its own transaction lands in a later block than the createTask it
 * waited for, so it can draw. Returns the receipt of the settlement this call sent, or of the one under way it
 * waited for (its TaskStarted / TaskQueued logs say which draws it settled); false when none was sent.
 */
export async function settleDraws(
  context: SdkContext,
  signal?: AbortSignal | undefined,
): Promise<TransactionReceipt | false> {
  const key = `${context.access.chain.rpcUrl}|${context.access.chain.contracts.taskManager.toLowerCase()}`;
  const running = underWay.get(key);
  if (running) return running.catch(() => false as const);
  const ended = context.feed?.writing();
  const run = (async () => {
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
    if (settles === 0n) return false as const;
    return withRetry(context, { id: '', step: 'settleDraws', signal }, () =>
      context.access.write({ functionName: 'settleDraws', args: [] }),
    );
  })();
  underWay.set(key, run);
  try {
    return await run;
  } finally {
    if (underWay.get(key) === run) underWay.delete(key);
    ended?.();
  }
}
