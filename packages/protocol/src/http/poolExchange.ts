import { type HttpExchange, HttpTimeoutError } from './fetchExchange.js';
import { getHttpPool } from './getHttpPool.js';

/**
 * HttpExchange over the process's keep-alive connection pools (undici's `Pool.request`, getHttpPool): Node.js
 * only. A request costs about a tenth of the CPU of a WHATWG fetch (no Request, Response, Headers or web stream
 * objects): see docs/benchmarks.md "Session 11 (s11-http)".
 *
 * @example
 * const relay = createHttpRelayClient({ url, signer, chainId, taskManager, exchange: poolExchange });
 */
export const poolExchange: HttpExchange = async (request) => {
  const url = new URL(request.url);
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new HttpTimeoutError(request.method, request.url, request.timeoutMs)),
    request.timeoutMs,
  );
  try {
    const answer = await getHttpPool(url.origin).request({
      method: request.method as 'GET',
      path: `${url.pathname}${url.search}`,
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
    });
    const body = new Uint8Array(await answer.body.arrayBuffer());
    const headers = answer.headers;
    return {
      status: answer.statusCode,
      statusText: answer.statusText,
      header: (name) => {
        const value = headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : value;
      },
      body,
    };
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
  }
};
