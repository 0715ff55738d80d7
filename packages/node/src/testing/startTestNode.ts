import { join } from 'node:path';
import { WorkerSupervisor } from '@verinet/worker';
import pino, { type Logger } from 'pino';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainClient, getDeploymentChain } from '../chain/createChainClient.js';
import { contractsOf } from '../chain/taskManager.js';
import { createNodeDaemon, type NodeDaemon } from '../daemon/createNodeDaemon.js';
import { createModelProvider } from '../models/createModelProvider.js';
import type { RelayClient } from '../relay/types.js';
import { type NodeStore, openStore } from '../store/index.js';
import { createTxSender } from '../tx/index.js';
import { type TestDevnet, testWallet } from './devnet.js';

export type TestNode = {
  daemon: NodeDaemon;
  store: NodeStore;
  worker: WorkerSupervisor;
  stop: () => Promise<void>;
};

/** An in-process node daemon for anvil account `index`, with a real worker on `modelsDir`. */
export async function startTestNode(parameters: {
  devnet: TestDevnet;
  index: number;
  relay: RelayClient;
  dataDir: string;
  modelsDir: string;
  rpcUrl?: string;
  /** Task arguments and results (default: `dataDir`); the SQLite store stays in `dataDir`. */
  filesDir?: string;
  workerStallMs?: number;
  /** Model server or folder the node fetches missing models from. */
  modelSource?: string;
  settleDelayMs?: number;
  settleBackstopMs?: number;
  pollIntervalMs?: number;
  stopGraceMs?: number;
  log?: Logger;
}): Promise<TestNode> {
  const { devnet, index, dataDir } = parameters;
  const rpcUrl = parameters.rpcUrl ?? devnet.anvil.rpcUrl;
  const store = openStore({ path: join(dataDir, 'node.db') });
  const client = createChainClient({ rpcUrl, deployment: devnet.deployment, timeoutMs: 2_000 });
  const account = privateKeyToAccount(testWallet(devnet, index).privateKey);
  const sender = createTxSender({
    client,
    account,
    chain: getDeploymentChain(devnet.deployment, rpcUrl),
    store,
  });
  const worker = new WorkerSupervisor({
    modelsDir: parameters.modelsDir,
    threads: 1,
    handshakeTimeoutMs: 60_000,
  });
  const daemon = createNodeDaemon({
    store,
    client,
    sender,
    node: account.address,
    contracts: contractsOf(devnet.deployment),
    startBlock: devnet.deployment.startBlock,
    relay: parameters.relay,
    worker,
    dataDir: parameters.filesDir ?? dataDir,
    modelsDir: parameters.modelsDir,
    deadlineMarginSec: 30,
    workerStallMs: parameters.workerStallMs,
    models: parameters.modelSource
      ? createModelProvider({ modelsDir: parameters.modelsDir, source: parameters.modelSource })
      : undefined,
    followIntervalMs: 1_000,
    log: parameters.log ?? pino({ level: process.env.VERINET_TEST_LOG ?? 'silent' }),
    confirmations: 0,
    pollIntervalMs: parameters.pollIntervalMs ?? 50,
    settleDelayMs: parameters.settleDelayMs,
    settleBackstopMs: parameters.settleBackstopMs,
    stopGraceMs: parameters.stopGraceMs,
  });
  await daemon.start();
  return {
    daemon,
    store,
    worker,
    async stop() {
      await daemon.stop();
      await worker.stop();
      store.close();
    },
  };
}
