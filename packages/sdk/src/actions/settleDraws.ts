import type { SdkContext } from '../client/context.js';
import { withRetry } from '../utils/withRetry.js';

/**
 * F1: a task's node is drawn by the first transaction after its creation block that settles pending draws
 * (`settleDraws()`, also run first by most TaskManager calls). The SDK sends it while its task is Pending, as
 * the node daemons do; a second call is a cheap no-op. Its own transaction lands in a later block than the
 * createTask it waited for, so it can draw. Returns whether it was sent.
 */
export async function settleDraws(context: SdkContext, signal?: AbortSignal | undefined): Promise<boolean> {
  await withRetry(context, { id: '', step: 'settleDraws', signal }, () =>
    context.access.write({ functionName: 'settleDraws', args: [] }),
  );
  return true;
}
