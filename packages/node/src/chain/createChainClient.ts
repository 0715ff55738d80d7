import type { Deployment } from '@verinet/protocol/chain';
import { BaseError, type Chain, createPublicClient, http, type PublicClient, type Transport } from 'viem';

export type CreateChainClientParameters = {
  rpcUrl: string;
  deployment: Deployment;
  /** Per-request timeout; a slower RPC counts as unreachable (default 10 s). */
  timeoutMs?: number | undefined;
};

/** The chain object for a deployment (viem needs one to sign and to format). */
export function getDeploymentChain(deployment: Deployment, rpcUrl: string): Chain {
  return {
    id: deployment.chainId,
    name: `verinet-${deployment.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  };
}

/**
 * Methods never batched: a transaction hand-over (a synchronous send waits for its block) and `eth_getLogs` (a slow
 * log scan would hold every read of its batch).
 */
const isUnbatched = (method: string) =>
  method.startsWith('eth_sendRawTransaction') || method === 'eth_getLogs';

/**
 * Batching is on only for an RPC on this machine (the devnet's anvil, a local node): a provider may refuse JSON-RPC
 * batches, or answer one as slowly as its slowest item.
 */
const isLoopbackRpc = (rpcUrl: string): boolean => {
  try {
    const host = new URL(rpcUrl).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
};

/**
 * One transport per RPC URL and timeout for the process. For a loopback RPC, reads made within one timer tick by any
 * client of the process travel in one JSON-RPC batch (one HTTP request; the devnet runs 20 node daemons in one process, and a
 * request cost more in HTTP handling and system calls than the JSON-RPC work itself); transactions and log scans go
 * on their own.
 */
const transports = new Map<string, Transport>();
/** RPC URLs that refused a batch: asked one request at a time. */
const unbatchable = new Set<string>();
function getProcessTransport(rpcUrl: string, timeout: number): Transport {
  const key = `${rpcUrl}|${timeout}`;
  const known = transports.get(key);
  if (known) return known;
  if (!isLoopbackRpc(rpcUrl)) {
    const single = http(rpcUrl, { retryCount: 0, timeout });
    transports.set(key, single);
    return single;
  }
  const batched = http(rpcUrl, { retryCount: 0, timeout, batch: { wait: 0, batchSize: 100 } });
  const plain = http(rpcUrl, { retryCount: 0, timeout });
  const transport: Transport = (options) => {
    const reads = batched(options);
    const sends = plain(options);
    return {
      ...reads,
      request: ((args: { method: string }, requestOptions?: unknown) =>
        isUnbatched(args.method) || unbatchable.has(rpcUrl)
          ? sends.request(args as never, requestOptions as never)
          : reads.request(args as never, requestOptions as never).catch(async (error: unknown) => {
              // A batch refused: an invalid-request error or an HTTP error status for the whole array, or an answer
              // that is not an array (viem then fails outside its own errors). Asked alone, and when that works the
              // URL is not batched again. An item's own error (a revert), a timeout or an unreachable RPC is the
              // answer (asking again would double the load on a slow RPC).
              const { code, status } = error as { code?: unknown; status?: unknown };
              if (code !== -32600 && typeof status !== 'number' && error instanceof BaseError) throw error;
              const result = await sends.request(args as never, requestOptions as never);
              unbatchable.add(rpcUrl);
              return result;
            })) as typeof reads.request,
    };
  };
  transports.set(key, transport);
  return transport;
}

/**
 * A public client whose transport does not retry on its own: the watcher and the sender own retries and
 * backoff, and report an unreachable RPC in plain words instead of hanging inside viem. Its reads share the
 * process's batching transport for the URL (see getProcessTransport).
 *
 * @example
 * const client = createChainClient({ rpcUrl, deployment });
 */
export function createChainClient(parameters: CreateChainClientParameters): PublicClient {
  const { rpcUrl, deployment } = parameters;
  return createPublicClient({
    chain: getDeploymentChain(deployment, rpcUrl),
    // The watcher polls on its own schedule: a cached block number would hide new blocks for seconds.
    cacheTime: 0,
    transport: getProcessTransport(rpcUrl, parameters.timeoutMs ?? 10_000),
  }) as PublicClient;
}
