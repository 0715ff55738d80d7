import {
  createTransport,
  HttpRequestError,
  RpcRequestError,
  TimeoutError,
  type Transport,
  UrlRequiredError,
} from 'viem';
import type { HttpTransportFactory } from '../chain/getBatchingTransport.js';
import { getHttpPool } from './getHttpPool.js';

export type PoolHttpParameters = {
  /** JSON-RPC batches: the requests made within one timer tick travel in one HTTP request of at most `batchSize`. */
  batch?: boolean | { batchSize?: number | undefined } | undefined;
  /** Retries of a failed request (viem's rule: which errors, backoff). Default: the client's, else 3. */
  retryCount?: number | undefined;
  /** Base delay (ms) of viem's exponential retry backoff; default 150. */
  retryDelay?: number | undefined;
  /** Longest wait (ms) for one HTTP request, its answer read whole; default 10 s. */
  timeout?: number | undefined;
};

type RpcBody = { method: string; params?: unknown };
type RpcItem = RpcBody & { jsonrpc: '2.0'; id: number };
type RpcAnswer = { id?: unknown; result?: unknown; error?: unknown };
type Waiting = { item: RpcItem; resolve: (answer: RpcAnswer) => void; reject: (error: unknown) => void };

const isRpcError = (data: unknown): data is { error: { code: number; message: string } } => {
  const error = (data as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'number' && typeof error.message === 'string';
};

/** viem's errors keep the answer's headers as a WHATWG Headers (its retry rule reads Retry-After). */
function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw))
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, one);
  return headers;
}

let nextId = 1;

/**
 * viem's `http` transport on the process's keep-alive connection pools (undici `Pool.request`, getHttpPool)
 * instead of WHATWG fetch: Node.js only. It raises what viem's `http` raises (RpcRequestError for a JSON-RPC
 * error, HttpRequestError for an HTTP error status or no answer, TimeoutError past `timeout`), so viem's retry
 * rule and error types, and every caller's error handling, are unchanged; a batch whose answer is not an array
 * fails as an HttpRequestError with the HTTP status (getBatchingTransport then asks its requests one at a time).
 * A request costs about a tenth of the CPU of a fetch: see docs/benchmarks.md "Session 11 (s11-http)".
 *
 * @example
 * const client = createPublicClient({ transport: poolHttp('http://127.0.0.1:8545', { retryCount: 0 }) });
 */
export function poolHttp(url: string | undefined, parameters: PoolHttpParameters = {}): Transport<'http'> {
  const { batch } = parameters;
  const batchSize = typeof batch === 'object' ? (batch.batchSize ?? 1000) : 1000;
  return ({ chain, retryCount: clientRetryCount, timeout: clientTimeout }) => {
    const rpcUrl = url || chain?.rpcUrls.default.http[0];
    if (!rpcUrl) throw new UrlRequiredError();
    const timeout = clientTimeout ?? parameters.timeout ?? 10_000;
    const parsed = new URL(rpcUrl);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (parsed.username)
      headers.authorization = `Basic ${btoa(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`)}`;
    const pool = getHttpPool(parsed.origin);
    const path = `${parsed.pathname}${parsed.search}`;
    // Errors name the URL as viem's http does: normalized, without its credentials.
    parsed.username = '';
    parsed.password = '';
    const shownUrl = parsed.toString();

    /**
     * One POST of `payload` (an item or a batch): its parsed answer, or viem's error for it, which shows `body`
     * (the request as viem's http shows it: method and params).
     */
    async function post(
      payload: RpcItem | RpcItem[],
      body: RpcBody | RpcBody[],
      signal: AbortSignal | undefined,
    ): Promise<unknown> {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeout);
      const onAbort = () => controller.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const answer = await pool.request({
          method: 'POST',
          path,
          headers,
          body: JSON.stringify(payload),
          signal: controller.signal,
        });
        const text = await answer.body.text();
        const ok = answer.statusCode >= 200 && answer.statusCode < 300;
        let data: unknown;
        try {
          data = JSON.parse(text || '{}');
        } catch (error) {
          if (ok) throw error;
          data = { error: text };
        }
        const error = Array.isArray(body) && Array.isArray(data) && data.length === 1 ? data[0] : data;
        if (!ok) {
          const details = {
            body,
            headers: toHeaders(answer.headers),
            status: answer.statusCode,
            url: shownUrl,
          };
          if (isRpcError(error)) throw new RpcRequestError({ ...details, error: error.error });
          const reason = (data as { error?: unknown }).error;
          throw new HttpRequestError({
            ...details,
            details: (reason === undefined ? '' : JSON.stringify(reason)) || answer.statusText,
          });
        }
        return data;
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (controller.signal.aborted) throw new TimeoutError({ body, url: shownUrl });
        if (error instanceof RpcRequestError || error instanceof HttpRequestError) throw error;
        throw new HttpRequestError({ body, cause: error as Error, url: shownUrl });
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    }

    let waiting: Waiting[] = [];
    /** Sends the requests of this tick, `batchSize` per HTTP request; each gets its own answer or the batch's error. */
    function flush() {
      const all = waiting;
      waiting = [];
      for (let start = 0; start < all.length; start += batchSize) {
        const chunk = all.slice(start, start + batchSize);
        const items = chunk.map((one) => one.item);
        post(
          items,
          items.map(({ method, params }) => ({ method, params })),
          undefined,
        ).then(
          (data) => {
            if (!Array.isArray(data)) {
              // One answer for the whole batch: a JSON-RPC error (the RPC refuses batches) is each request's;
              // anything else is a refusal too, with the answer's status (200) so the caller can tell it.
              const refusal = isRpcError(data)
                ? (data as RpcAnswer)
                : new HttpRequestError({
                    body: items.map(({ method, params }) => ({ method, params })),
                    details: 'the RPC answered a JSON-RPC batch with something other than an array',
                    status: 200,
                    url: shownUrl,
                  });
              for (const one of chunk) refusal instanceof Error ? one.reject(refusal) : one.resolve(refusal);
              return;
            }
            const byId = new Map<unknown, RpcAnswer>();
            for (const answer of data as RpcAnswer[]) byId.set(answer?.id, answer);
            for (const one of chunk) {
              const answer = byId.get(one.item.id);
              if (answer) one.resolve(answer);
              else one.reject(new Error(`The RPC's batch answer has no item for request ${one.item.id}.`));
            }
          },
          (error: unknown) => {
            for (const one of chunk) one.reject(error);
          },
        );
      }
    }

    return createTransport(
      {
        key: 'http',
        name: 'HTTP JSON-RPC',
        type: 'http',
        retryCount: parameters.retryCount ?? clientRetryCount,
        retryDelay: parameters.retryDelay,
        timeout,
        async request({ method, params }, options) {
          const item: RpcItem = { jsonrpc: '2.0', id: nextId++, method, params };
          const signal = options?.signal;
          let answer: RpcAnswer;
          if (batch && !signal) {
            answer = await new Promise<RpcAnswer>((resolve, reject) => {
              if (waiting.length === 0) setTimeout(flush, 0);
              waiting.push({ item, resolve, reject });
            });
          } else {
            answer = (await post(item, { method, params }, signal)) as RpcAnswer;
          }
          if (answer.error)
            throw new RpcRequestError({
              body: { method, params },
              error: answer.error as never,
              url: rpcUrl,
            });
          return answer.result as never;
        },
      },
      { url: rpcUrl },
    );
  };
}

/**
 * poolHttp as getBatchingTransport's HttpTransportFactory.
 *
 * @example
 * const transport = getBatchingTransport('http://127.0.0.1:8545', 10_000, poolHttpFactory);
 */
export const poolHttpFactory: HttpTransportFactory = (url, config) => poolHttp(url, config);
