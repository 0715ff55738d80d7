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

const transports = new Map<string, Transport>();
/** RPC URLs that refused a batch: asked one request at a time from then on. */
const unbatchable = new Set<string>();

/**
 * One transport per RPC URL and timeout (ms) for the whole process: the reads any client of the process makes
 * within one timer tick travel in one JSON-RPC batch (one HTTP request). Twenty node daemons or apps in one process
 * each made their own HTTP request per call, and on a small machine a request cost more CPU in system calls and
 * HTTP handling than the JSON-RPC work itself. Sends and log scans go alone (see isUnbatched). No retries of its
 * own: callers own retries and backoff. Meant for loopback RPCs (isLoopbackRpc).
 *
 * @example
 * const client = createPublicClient({ transport: getBatchingTransport('http://127.0.0.1:8545', 10_000) });
 */
export function getBatchingTransport(rpcUrl: string, timeoutMs: number): Transport {
  const key = `${rpcUrl}|${timeoutMs}`;
  const known = transports.get(key);
  if (known) return known;
  const batched = http(rpcUrl, { retryCount: 0, timeout: timeoutMs, batch: { wait: 0, batchSize: 100 } });
  const plain = http(rpcUrl, { retryCount: 0, timeout: timeoutMs });
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
  transports.set(key, transport);
  return transport;
}
