import { type Deployment, getBatchingTransport, isLoopbackRpc } from '@verinet/protocol/chain';
import { poolHttp, poolHttpFactory } from '@verinet/protocol/http';
import { type Chain, createPublicClient, type PublicClient, type Transport } from 'viem';

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

/** Non-loopback RPCs: one plain transport per URL and timeout (no batching, see getBatchingTransport). */
const plainTransports = new Map<string, Transport>();
/**
 * The process's transport for an RPC: the 20 node daemons of a devnet process share one batching transport for a
 * loopback RPC (getBatchingTransport); any other RPC is asked one request at a time. Both travel over the
 * process's keep-alive connection pools (poolHttp), not fetch.
 */
function getProcessTransport(rpcUrl: string, timeout: number): Transport {
  if (isLoopbackRpc(rpcUrl)) return getBatchingTransport(rpcUrl, timeout, poolHttpFactory);
  const key = `${rpcUrl}|${timeout}`;
  let single = plainTransports.get(key);
  if (!single) {
    single = poolHttp(rpcUrl, { retryCount: 0, timeout });
    plainTransports.set(key, single);
  }
  return single;
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
