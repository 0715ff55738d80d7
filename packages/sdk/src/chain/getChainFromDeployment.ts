import type { Deployment } from '@verinet/protocol/chain';
import { ConfigurationError } from '../errors/index.js';
import type { VerinetChain } from '../types.js';

/**
 * The chain option from a deployment file (`verinet deploy` / the devnet's deployment.json; read it with
 * `readDeployment` from '@verinet/protocol/chain' in Node, or fetch it in a browser).
 *
 * @example
 * const chain = getChainFromDeployment(readDeployment('.verinet/devnet/deployment.json'));
 */
export function getChainFromDeployment(deployment: Deployment, rpcUrl?: string): VerinetChain {
  const url = rpcUrl ?? deployment.rpcUrl;
  if (!url)
    throw new ConfigurationError('The deployment records no RPC URL: pass rpcUrl to getChainFromDeployment.');
  return {
    id: deployment.chainId,
    rpcUrl: url,
    startBlock: deployment.startBlock,
    contracts: {
      taskManager: deployment.contracts.taskManager,
      nodeRegistry: deployment.contracts.nodeRegistry,
    },
  };
}
