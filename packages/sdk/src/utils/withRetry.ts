import type { SdkContext } from '../client/context.js';
import { ChainUnreachableError, VerinetError } from '../errors/index.js';
import { sleep } from './sleep.js';

/**
 * Runs one protocol step, retrying transient failures (errors marked `retryable`: an RPC or relay that does not
 * answer, a relay that has not seen a block yet) with exponential backoff, and reporting each retry as an event.
 * Permanent failures (a revert, a refused argument) are thrown at once.
 */
export async function withRetry<T>(
  context: SdkContext,
  parameters: { id: string; step: string; signal?: AbortSignal | undefined; attempts?: number | undefined },
  run: () => Promise<T>,
): Promise<T> {
  const attempts = parameters.attempts ?? context.retry.attempts;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const retryable = error instanceof VerinetError && error.retryable;
      if (!retryable || attempt >= attempts) throw error;
      // A chain RPC that refuses connections before it ever answered this process is not there (a devnet not
      // started, a wrong port): said at once, not after the backoff (later refusals, a restart, are retried).
      if (error instanceof ChainUnreachableError && error.refused && !context.access.hasAnswered())
        throw error;
      const delayMs = Math.min(context.retry.baseDelayMs * 2 ** (attempt - 1), 30_000);
      context.emit({
        type: 'retry',
        id: parameters.id,
        step: parameters.step,
        attempt,
        delayMs,
        error: (error as VerinetError).shortMessage,
      });
      await sleep(delayMs, parameters.signal, parameters.id);
    }
  }
}
