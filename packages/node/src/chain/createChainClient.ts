import type { Deployment } from '@verinet/protocol/chain';
import { type Chain, createPublicClient, http, type PublicClient, type Transport } from 'viem';

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

/** Methods that hand a transaction over: never batched (a synchronous send waits for its block). */
const isSend = (method: string) => method.startsWith('eth_sendRawTransaction');

/**
 * One transport per RPC URL and timeout for the process: reads made within one timer tick by any client of the
 * process travel in one JSON-RPC batch (one HTTP request; the devnet runs 20 node daemons in one process, and a
 * request cost more in HTTP handling and system calls than the JSON-RPC work itself); transactions go on their own.
 */
const transports = new Map<string, Transport>();
function getProcessTransport(rpcUrl: string, timeout: number): Transport {
  const key = `${rpcUrl}|${timeout}`;
  const known = transports.get(key);
  if (known) return known;
  const batched = http(rpcUrl, { retryCount: 0, timeout, batch: { wait: 0, batchSize: 100 } });
  const plain = http(rpcUrl, { retryCount: 0, timeout });
  const transport: Transport = (options) => {
    const reads = batched(options);
    const sends = plain(options);
    return {
      ...reads,
      request: ((args: { method: string }, requestOptions?: unknown) =>
        isSend(args.method)
          ? sends.request(args as never, requestOptions as never)
          : reads.request(args as never, requestOptions as never)) as typeof reads.request,
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
