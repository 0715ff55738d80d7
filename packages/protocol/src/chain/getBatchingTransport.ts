import { BaseError, http, type Transport } from 'viem';

/**
 * Whether `rpcUrl` names an RPC on this machine (a devnet's anvil, a local node). Batching is for those only: a
 * provider may refuse JSON-RPC batches, or answer one as slowly as its slowest item.
 *
 * @example
 * isLoopbackRpc('http://127.0.0.1:8545'); // true
 */
export function isLoopbackRpc(rpcUrl: string): boolean {
  try {
    const host = new URL(rpcUrl).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

/**
 * Never batched: a transaction hand-over (a synchronous send waits for its block) and `eth_getLogs` (a slow log
 * scan would hold every read of its batch).
 */
const isUnbatched = (method: string) =>
  method.startsWith('eth_sendRawTransaction') || method === 'eth_getLogs';

/**
 * Makes a plain HTTP JSON-RPC transport (no retries of its own when `retryCount` is 0): viem's `http` by default
 * (any runtime), or `poolHttp` from '@verinet/protocol/http' in Node.js (keep-alive pools, far less CPU per
 * request than fetch). `batch`: the requests of one timer tick travel in JSON-RPC batches of at most `batchSize`.
 */
export type HttpTransportFactory = (
  url: string,
  config: { retryCount: number; timeout: number; batch?: { batchSize: number } | undefined },
) => Transport;

/** viem's `http` (WHATWG fetch) as an HttpTransportFactory. */
export const viemHttpFactory: HttpTransportFactory = (url, { batch, ...config }) =>
  http(url, { ...config, ...(batch ? { batch: { wait: 0, batchSize: batch.batchSize } } : {}) });

const transports = new WeakMap<HttpTransportFactory, Map<string, Transport>>();
/** RPC URLs that refused a batch: asked one request at a time from then on. */
const unbatchable = new Set<string>();

/**
 * One transport per RPC URL and timeout (ms) for the whole process: the reads any client of the process makes
 * within one timer tick travel in one JSON-RPC batch (one HTTP request). Twenty node daemons or apps in one process
 * each made their own HTTP request per call, and on a small machine a request cost more CPU in system calls and
 * HTTP handling than the JSON-RPC work itself. Sends and log scans go alone (see isUnbatched). No retries of its
 * own: callers own retries and backoff. Meant for loopback RPCs (isLoopbackRpc). `createHttp` makes the HTTP
 * transports (default viem's `http`; Node.js processes pass `poolHttp`).
 *
 * @example
 * const client = createPublicClient({ transport: getBatchingTransport('http://127.0.0.1:8545', 10_000) });
 */
export function getBatchingTransport(
  rpcUrl: string,
  timeoutMs: number,
  createHttp: HttpTransportFactory = viemHttpFactory,
): Transport {
  const key = `${rpcUrl}|${timeoutMs}`;
  let made = transports.get(createHttp);
  if (!made) {
    made = new Map();
    transports.set(createHttp, made);
  }
  const known = made.get(key);
  if (known) return known;
  const batched = createHttp(rpcUrl, { retryCount: 0, timeout: timeoutMs, batch: { batchSize: 100 } });
  const plain = createHttp(rpcUrl, { retryCount: 0, timeout: timeoutMs });
  const transport: Transport = (options) => {
    const reads = batched(options);
    const single = plain(options);
    return {
      ...reads,
      request: ((args: { method: string }, requestOptions?: unknown) =>
        isUnbatched(args.method) || unbatchable.has(rpcUrl)
          ? single.request(args as never, requestOptions as never)
          : reads.request(args as never, requestOptions as never).catch(async (error: unknown) => {
              // A batch refused: an invalid-request error or an HTTP error status for the whole array, or an answer
              // that is not an array (viem then fails outside its own errors). Asked alone, and when that works the
              // URL is not batched again. An item's own error (a revert), a timeout or an unreachable RPC is the
              // answer (asking again would double the load on a slow RPC).
              const { code, status } = error as { code?: unknown; status?: unknown };
              if (code !== -32600 && typeof status !== 'number' && error instanceof BaseError) throw error;
              const result = await single.request(args as never, requestOptions as never);
              unbatchable.add(rpcUrl);
              return result;
            })) as typeof reads.request,
    };
  };
  made.set(key, transport);
  return transport;
}
