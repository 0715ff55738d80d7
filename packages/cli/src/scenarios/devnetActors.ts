import { type Deployment, nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  getContract,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';

export type Actor = {
  privateKey: Hex;
  account: Account;
  wallet: WalletClient<Transport, Chain, Account>;
};

export type DevnetActors = {
  publicClient: PublicClient;
  deployer: Actor;
  nodes: Actor[];
  app: Actor;
  /** The relay's signing key (ArgsAvailable statements); on chain only once `useRelaySigner` set it. */
  relay: Actor;
  taskManager: ReturnType<typeof getTaskManager>;
  nodeRegistry: ReturnType<typeof getNodeRegistry>;
};

function getTaskManager(deployment: Deployment, client: PublicClient) {
  return getContract({ address: deployment.contracts.taskManager, abi: taskManagerAbi, client });
}

function getNodeRegistry(deployment: Deployment, client: PublicClient) {
  return getContract({ address: deployment.contracts.nodeRegistry, abi: nodeRegistryAbi, client });
}

/**
 * Wallets for anvil's test accounts: 0 deploys, 1…nodeCount are nodes, the next one is the application,
 * the one after it signs the relay's statements.
 */
export function createDevnetActors(rpcUrl: string, deployment: Deployment, nodeCount: number): DevnetActors {
  const transport = http(rpcUrl);
  const chain = { ...foundry, id: deployment.chainId };
  const publicClient = createPublicClient({ chain, transport }) as PublicClient;
  const actor = (index: number): Actor => {
    const privateKey = getDevnetPrivateKey(index);
    const account = privateKeyToAccount(privateKey);
    return { privateKey, account, wallet: createWalletClient({ account, chain, transport }) };
  };
  return {
    publicClient,
    deployer: actor(0),
    nodes: Array.from({ length: nodeCount }, (_, i) => actor(i + 1)),
    app: actor(nodeCount + 1),
    relay: actor(nodeCount + 2),
    taskManager: getTaskManager(deployment, publicClient),
    nodeRegistry: getNodeRegistry(deployment, publicClient),
  };
}
