import { type Address, encodeDeployData, type PublicClient } from 'viem';
import { loadArtifact } from './artifacts.js';
import { deployedContracts, getConstructorArgs } from './deployContracts.js';

export type DeploymentCost = {
  gas: bigint;
  /** Wei per gas the estimate assumes (maxFeePerGas, or the legacy gas price). */
  feePerGas: bigint;
  /** gas × feePerGas, in wei. */
  cost: bigint;
};

/**
 * What deploying the contracts from `account` will cost at today's fees, estimated before sending anything,
 * so an unfunded deployer is told the figure instead of failing half-way.
 *
 * @example
 * const { cost } = await estimateDeploymentCost(publicClient, account.address);
 */
export async function estimateDeploymentCost(
  publicClient: PublicClient,
  account: Address,
): Promise<DeploymentCost> {
  // No wiring call: the NodeRegistry takes the TaskManager's precomputed address at construction.
  let gas = 0n;
  for (const contractName of deployedContracts) {
    const { abi, bytecode } = loadArtifact(contractName);
    const data = encodeDeployData({
      abi,
      bytecode,
      // Placeholders: nothing is deployed yet, and any address costs the same gas.
      args: getConstructorArgs(contractName, {
        owner: account,
        incentivePool: account,
        nodeRegistry: account,
        vrfVerifier: account,
        taskManager: account,
      }),
    });
    gas += await publicClient.estimateGas({ account, data });
  }
  const fees = await publicClient.estimateFeesPerGas().catch(async () => ({
    maxFeePerGas: await publicClient.getGasPrice(),
  }));
  const feePerGas = fees.maxFeePerGas ?? 0n;
  return { gas, feePerGas, cost: gas * feePerGas };
}
