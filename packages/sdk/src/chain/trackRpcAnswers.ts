import { HttpRequestError, TimeoutError, type Transport } from 'viem';

/** RPC URLs that answered a request in this process (a result, or an error the RPC itself returned). */
const answered = new Set<string>();

/**
 * Wraps a transport of `url` so that every answer from the RPC is noted (`hasRpcAnswered`): a connection refused
 * before any answer is a chain that is not there (a devnet not started, a wrong port), said at once; once the RPC
 * answered, a refusal is a restart or a blip, retried.
 *
 * @example
 * const transport = trackRpcAnswers(http(url), url);
 */
export function trackRpcAnswers(transport: Transport, url: string): Transport {
  return (options) => {
    const made = transport(options);
    return {
      ...made,
      request: (async (args: unknown, requestOptions: unknown) => {
        try {
          const result = await (made.request as (a: unknown, o: unknown) => Promise<unknown>)(
            args,
            requestOptions,
          );
          answered.add(url);
          return result;
        } catch (error) {
          if (!(error instanceof HttpRequestError && !error.status) && !(error instanceof TimeoutError))
            answered.add(url);
          throw error;
        }
      }) as typeof made.request,
    };
  };
}

/** Whether the RPC at `url` answered a request of this process (see trackRpcAnswers). */
export const hasRpcAnswered = (url: string): boolean => answered.has(url);
