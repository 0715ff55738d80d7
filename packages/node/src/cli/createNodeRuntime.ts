import { join, resolve } from 'node:path';
import { type Deployment, readDeployment } from '@verinet/protocol/chain';
import type { Hex, LocalAccount, PublicClient } from 'viem';
import { createChainClient, getDeploymentChain } from '../chain/createChainClient.js';
import { type Contracts, contractsOf } from '../chain/taskManager.js';
import type { NodeConfig } from '../config/nodeConfig.js';
import { type NodeStore, openStore } from '../store/index.js';
import { createTxSender, type TxSender } from '../tx/index.js';
import { openNodeWallet } from './openNodeWallet.js';

export type NodeRuntime = {
  config: NodeConfig;
  deployment: Deployment;
  contracts: Contracts;
  client: PublicClient;
  account: LocalAccount;
  privateKey: Hex;
  store: NodeStore;
  sender: TxSender;
  close: () => void;
};

/** Opens what every node command needs: deployment, chain client, wallet, store and transaction sender. */
export async function createNodeRuntime(config: NodeConfig): Promise<NodeRuntime> {
  const deployment = readDeployment(config.deployment);
  const { account, privateKey } = await openNodeWallet(config.keystore, config.passwordFile);
  const client = createChainClient({ rpcUrl: config.rpcUrl, deployment });
  const store = openStore({ path: join(resolve(config.dataDir), 'node.db') });
  const sender = createTxSender({
    client,
    account,
    chain: getDeploymentChain(deployment, config.rpcUrl),
    store,
    fixedGas: config.fixedGas === 'auto' ? undefined : config.fixedGas === 'on',
  });
  return {
    config,
    deployment,
    contracts: contractsOf(deployment),
    client,
    account,
    privateKey,
    store,
    sender,
    close: () => store.close(),
  };
}
