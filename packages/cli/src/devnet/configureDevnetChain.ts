import { type Deployment, nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import { type Address, createPublicClient, createWalletClient, type Hex, http, isAddressEqual } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { CommandError } from '../cli/errors.js';

export type ConfigureDevnetChainParameters = {
  rpcUrl: string;
  deployment: Deployment;
  /** The contracts' owner (the devnet deployer). */
  ownerKey: Hex;
  /** The relay's signing address: ArgsAvailable statements are required as in production. */
  relaySigner: Address;
  /** Nodes the devnet runs, all in one GPU bucket. */
  nodeCount: number;
  log: (line: string) => void;
};

/** Production default of NodeRegistry.minExactBucket (docs/node-registry.md). */
const productionMinExactBucket = 4n;

/**
 * The owner settings a devnet differs in from a production deployment, applied at every start (idempotent,
 * so a kept chain is brought to the current run's shape):
 * - the relay signer is the devnet relay's key, so every createTask carries its ArgsAvailable statement;
 * - `minExactBucket` is at most the number of nodes: all devnet nodes share one GPU bucket, and with the
 *   production default of 4 a 3-node devnet would refuse every LLM task (NodeRegistryBucketTooSmall).
 *
 * @example
 * await configureDevnetChain({ rpcUrl, deployment, ownerKey, relaySigner, nodeCount: 3, log });
 */
export async function configureDevnetChain(parameters: ConfigureDevnetChainParameters): Promise<void> {
  const { rpcUrl, deployment, log } = parameters;
  const account = privateKeyToAccount(parameters.ownerKey);
  const chain = {
    id: deployment.chainId,
    name: 'Verinet devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as const;
  const client = createPublicClient({ chain, transport: http(rpcUrl) });
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const send = async (what: string, request: Parameters<typeof wallet.writeContract>[0]) => {
    const hash = await wallet.writeContract(request);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success')
      throw new CommandError(`Configuring the devnet failed: ${what} reverted (transaction ${hash}).`, {
        details: ['Start from an empty chain with `npm start -- --fresh`.'],
      });
  };

  const [relaySigner, minExactBucket] = await Promise.all([
    client.readContract({
      address: deployment.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'relaySigner',
    }),
    client.readContract({
      address: deployment.contracts.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'minExactBucket',
    }),
  ]);
  if (!isAddressEqual(relaySigner, parameters.relaySigner)) {
    await send('setRelaySigner', {
      address: deployment.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'setRelaySigner',
      args: [parameters.relaySigner],
    } as never);
    log(`Relay signer set on chain: ${parameters.relaySigner}.`);
  }
  const wanted =
    BigInt(parameters.nodeCount) < productionMinExactBucket
      ? BigInt(parameters.nodeCount)
      : productionMinExactBucket;
  if (minExactBucket !== wanted) {
    await send('setMinExactBucket', {
      address: deployment.contracts.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'setMinExactBucket',
      args: [wanted],
    } as never);
    log(
      `minExactBucket set to ${wanted} (${parameters.nodeCount} node${parameters.nodeCount === 1 ? '' : 's'} in one GPU bucket).`,
    );
  }
}
