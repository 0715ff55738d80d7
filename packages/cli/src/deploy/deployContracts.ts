import type { Deployment } from '@verinet/protocol/chain';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  getContractAddress,
  type Hex,
  http,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ContractArtifactError, loadArtifact } from './artifacts.js';

export type DeployContractsParameters = {
  rpcUrl: string;
  privateKey: Hex;
  /** Minimal node stake in wei (NodeRegistry.minStake; owner-settable later). */
  minStake?: bigint | undefined;
  log?: ((line: string) => void) | undefined;
  /** Write `rpcUrl` into the deployment record (off by default: a provider URL may hold an API key). */
  recordRpcUrl?: boolean | undefined;
};

/** Devnet default: 10 ether (see docs/staking.md for sizing it on a real network). */
export const defaultMinStake = 10n * 10n ** 18n;

/** The contracts in deployment order. */
export const deployedContracts = ['IncentivePool', 'NodeRegistry', 'VRFVerifier', 'TaskManager'] as const;

/**
 * Constructor arguments of each contract. Every address a contract binds for good (the registry's
 * `taskManager` is immutable) must be given: a cost estimate, which runs before anything is deployed, passes
 * placeholders explicitly (any address costs the same gas).
 *
 * @throws {ContractArtifactError} when an address the contract needs is missing.
 */
export function getConstructorArgs(
  contractName: (typeof deployedContracts)[number],
  addresses: {
    owner: Address;
    incentivePool?: Address;
    nodeRegistry?: Address;
    vrfVerifier?: Address;
    taskManager?: Address;
    minStake?: bigint | undefined;
  },
): readonly unknown[] {
  const { owner } = addresses;
  const need = (name: 'incentivePool' | 'nodeRegistry' | 'vrfVerifier' | 'taskManager'): Address => {
    const address = addresses[name];
    if (address === undefined)
      throw new ContractArtifactError(
        `${contractName} needs the ${name} address at construction; none was given.`,
      );
    return address;
  };
  switch (contractName) {
    case 'IncentivePool':
      return [owner];
    case 'NodeRegistry':
      return [owner, need('incentivePool'), need('taskManager'), addresses.minStake ?? defaultMinStake];
    case 'VRFVerifier':
      return [];
    case 'TaskManager':
      return [need('nodeRegistry'), need('vrfVerifier'), owner];
  }
}

/**
 * Deploys IncentivePool, NodeRegistry, VRFVerifier and TaskManager and returns the deployment record. The
 * NodeRegistry's `taskManager` is immutable (one cold storage read less per validation): it is given the
 * TaskManager's CREATE address, precomputed from the deployer's nonce (the TaskManager is the deployer's third
 * contract after the registry's), and the deployment stops if the TaskManager lands anywhere else.
 * Transactions are sent one after the other and each receipt is awaited, so a failure stops at a clear step.
 *
 * @example
 * const deployment = await deployContracts({ rpcUrl: 'http://127.0.0.1:8545', privateKey });
 */
export async function deployContracts(parameters: DeployContractsParameters): Promise<Deployment> {
  const log = parameters.log ?? (() => {});
  const account = privateKeyToAccount(parameters.privateKey);
  const transport = http(parameters.rpcUrl);
  const publicClient = createPublicClient({ transport });
  const chainId = await publicClient.getChainId();
  const chain = {
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [parameters.rpcUrl] } },
  } as const;
  const walletClient = createWalletClient({ account, transport, chain });
  const startBlock = Number(await publicClient.getBlockNumber());

  const deploy = async (contractName: string, args: readonly unknown[]): Promise<Address> => {
    const { abi, bytecode } = loadArtifact(contractName);
    const hash = await walletClient.deployContract({ abi, bytecode, args });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new ContractArtifactError(`Deploying ${contractName} failed (transaction ${hash}).`);
    }
    log(`  ${contractName.padEnd(14)} ${getAddress(receipt.contractAddress)} (gas ${receipt.gasUsed})`);
    return receipt.contractAddress;
  };

  const owner = account.address;
  const incentivePool = await deploy('IncentivePool', getConstructorArgs('IncentivePool', { owner }));
  // Registry (nonce n), VRFVerifier (n + 1), TaskManager (n + 2), all from this account and nothing in between.
  const nonce = await publicClient.getTransactionCount({ address: owner, blockTag: 'pending' });
  const expectedTaskManager = getContractAddress({ from: owner, nonce: BigInt(nonce + 2) });
  const nodeRegistry = await deploy(
    'NodeRegistry',
    getConstructorArgs('NodeRegistry', {
      owner,
      incentivePool,
      taskManager: expectedTaskManager,
      minStake: parameters.minStake,
    }),
  );
  const vrfVerifier = await deploy('VRFVerifier', getConstructorArgs('VRFVerifier', { owner }));
  const taskManager = await deploy(
    'TaskManager',
    getConstructorArgs('TaskManager', { owner, nodeRegistry, vrfVerifier }),
  );
  if (getAddress(taskManager) !== getAddress(expectedTaskManager)) {
    throw new ContractArtifactError(
      `The TaskManager landed at ${getAddress(taskManager)}, not at ${expectedTaskManager} where the NodeRegistry expects it (did another transaction from ${owner} go out during the deployment?). Deploy again.`,
    );
  }

  return {
    version: 1,
    chainId,
    startBlock,
    deployer: owner,
    deployedAt: new Date().toISOString(),
    ...(parameters.recordRpcUrl ? { rpcUrl: parameters.rpcUrl } : {}),
    contracts: { incentivePool, nodeRegistry, taskManager, vrfVerifier },
  };
}
