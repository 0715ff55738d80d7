/** One HTTP request whose answer is read whole (the relay clients' requests). */
export type HttpExchangeRequest = {
  /** Absolute URL, query included. */
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array | undefined;
  /** Longest wait for the whole exchange, answer body included; past it the exchange fails with HttpTimeoutError. */
  timeoutMs: number;
};

/** The answer of an HTTP exchange, its body read whole. */
export type HttpExchangeReply = {
  status: number;
  /** The status line's text (`Not Found`); empty when the server sent none. */
  statusText: string;
  /** A response header by its name (any case); repeated headers joined by `, `. */
  header(name: string): string | undefined;
  body: Uint8Array;
};

/**
 * Sends one HTTP request and reads its answer whole. Rejects with HttpTimeoutError past `timeoutMs`, and with
 * the client's own error (its message says why: a refused connection, a reset socket) when no answer came; an
 * HTTP error status is an answer, not a rejection. Implementations: fetchExchange (any runtime) and
 * poolExchange from '@verinet/protocol/http' (Node.js: keep-alive connection pools, far less CPU per request).
 */
export type HttpExchange = (request: HttpExchangeRequest) => Promise<HttpExchangeReply>;

/**
 * An exchange that took longer than its `timeoutMs`. Its `name` is `TimeoutError`, as for a fetch aborted by
 * `AbortSignal.timeout`, so callers tell a timeout from an unreachable server the same way for both exchanges.
 */
export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly timeoutMs: number;
  constructor(method: string, url: string, timeoutMs: number) {
    super(`${method} ${url}: no answer within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * HttpExchange over WHATWG `fetch` (browsers, Deno, Node.js): the default of the relay clients.
 *
 * @example
 * const reply = await fetchExchange({ url: 'http://127.0.0.1:8600/health', method: 'GET', headers: {}, timeoutMs: 5_000 });
 */
export const fetchExchange: HttpExchange = async (request) => {
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body as Uint8Array<ArrayBuffer> | undefined,
      signal,
    });
    const body = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      statusText: response.statusText,
      header: (name) => response.headers.get(name) ?? undefined,
      body,
    };
  } catch (error) {
    if (signal.aborted && (error as Error).name === 'TimeoutError')
      throw new HttpTimeoutError(request.method, request.url, request.timeoutMs);
    throw error;
  }
};
