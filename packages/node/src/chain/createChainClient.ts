import type { Deployment } from '@verinet/protocol/chain';
import { type Chain, createPublicClient, http, type PublicClient } from 'viem';

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
 * A public client whose transport does not retry on its own: the watcher and the sender own retries and
 * backoff, and report an unreachable RPC in plain words instead of hanging inside viem.
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
    transport: http(rpcUrl, { retryCount: 0, timeout: parameters.timeoutMs ?? 10_000 }),
  }) as PublicClient;
}
