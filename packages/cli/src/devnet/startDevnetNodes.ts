import { join } from 'node:path';
import type { ChainSource } from '@verinet/node/chain';
import type { StartedNode } from '@verinet/node/cli';
import { getModelId, taskArgsVersions } from '@verinet/protocol/args';
import { type Deployment, nodeRegistryAbi } from '@verinet/protocol/chain';
import type { WorkerSupervisor } from '@verinet/worker';
import type { Logger } from 'pino';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  formatEther,
  type Hex,
  http,
  parseEther,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { createOrderedLog } from './createOrderedLog.js';
import type { DevnetPaths } from './devnetPaths.js';
import { ensureDevnetKeystore } from './ensureDevnetKeystore.js';
import type { DevnetModels } from './ensureDevnetModels.js';

/**
 * Node keys come from the devnet mnemonic at indices 100, 101, …: not among the ten test accounts the
 * summary prints (apps and people use those), and the same on every start, so a kept chain finds its nodes.
 */
export const devnetNodeKeyBase = 100;

/** The GPU every devnet node registers: one exact-match bucket, which LLM tasks must require. */
export const devnetGpu = { name: 'Verinet Devnet GPU', vramGib: 16 } as const;

/** Gas money each node keeps beside its stake. */
const gasReserve = parseEther('1');

export type DevnetNodeSettings = {
  /** Chain polling of each node (ms): a task is noticed within this. */
  pollIntervalMs: number;
  followIntervalMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  workerThreads: number;
};

export type StartDevnetNodesParameters = {
  count: number;
  /** Node keys registered by earlier runs on this chain; those beyond `count` are paused. */
  previouslyRegistered: number;
  rpcUrl: string;
  relayUrl: string;
  deployment: Deployment;
  paths: DevnetPaths;
  password: string;
  models: DevnetModels;
  funderKey: Hex;
  /** Status API port of node 0 (node i listens on base + i); 0 lets the system pick. */
  apiPortBase: number;
  settings: DevnetNodeSettings;
  log: (line: string) => void;
  /** The devnet's logger: each node logs to its child (`service: node <i>`). */
  logger?: Logger | undefined;
  /** Each started node is handed over at once, so a failure later still stops it. */
  onStarted: (node: StartedNode) => void;
  /** The nodes handed over so far. */
  started: () => StartedNode[];
  /** Ctrl-C while starting: no further worker is started, and no "ready" line follows the stop's announcement. */
  signal?: AbortSignal | undefined;
  /** One chain feed for every node of this process (heads, headers and logs read once, not once per node). */
  chainFeed?: ChainSource | undefined;
};

export type DevnetNodeInfo = { index: number; address: Address; apiUrl: string; joined: boolean };

/**
 * Funds, starts and registers the devnet's nodes: each has its own keystore and data folder under
 * `<dir>/nodes/node-<i>`, stakes the registry's minimum from the devnet's funded account, and runs the
 * real node daemon (`startNode` of packages/node: chain watcher, SQLite store, worker child process, status
 * API) in this process. A node already registered on a kept chain is resumed, not joined again.
 *
 * @example
 * const nodes = await startDevnetNodes({ count: 3, … });
 */
export async function startDevnetNodes(parameters: StartDevnetNodesParameters): Promise<DevnetNodeInfo[]> {
  const { count, rpcUrl, deployment, paths, log } = parameters;
  const { startNode, joinNode, resumeNode } = await import('@verinet/node/cli');
  const { readNodeInfo, pauseRequest, updateModelsRequest } = await import('@verinet/node/chain');
  const { nodeConfigSchema } = await import('@verinet/node/config');
  const chain = {
    id: deployment.chainId,
    name: 'Verinet devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as const;
  const client = createPublicClient({ chain, transport: http(rpcUrl) });
  const contracts = {
    taskManager: deployment.contracts.taskManager,
    nodeRegistry: deployment.contracts.nodeRegistry,
  };
  const funder = createWalletClient({
    account: privateKeyToAccount(parameters.funderKey),
    chain,
    transport: http(rpcUrl),
  });

  const keys = Array.from({ length: Math.max(count, parameters.previouslyRegistered) }, (_, index) =>
    getDevnetPrivateKey(devnetNodeKeyBase + index),
  );

  // Nodes of an earlier, larger run would be given tasks nobody executes: pause them.
  for (let index = count; index < keys.length; index++) {
    const account = privateKeyToAccount(keys[index]!);
    const info = await readNodeInfo(client as never, contracts, account.address);
    if (info.status === 'Available' || info.status === 'Busy') {
      const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
      const request = pauseRequest(contracts);
      const hash = await wallet.writeContract(request as never);
      await client.waitForTransactionReceipt({ hash });
      log(`Paused node ${index} (${account.address}): this run has ${count} node${count === 1 ? '' : 's'}.`);
    }
  }

  // Funding first, one transaction after the other from the one funder (its nonces stay in order).
  const minStake = (await readNodeInfo(client as never, contracts, privateKeyToAccount(keys[0]!).address))
    .minStake;
  for (let index = 0; index < count; index++) {
    const address = privateKeyToAccount(keys[index]!).address;
    const info = await readNodeInfo(client as never, contracts, address);
    const needed = (info.status === 'Quit' ? minStake : 0n) + gasReserve;
    const balance = await client.getBalance({ address });
    if (balance < needed) {
      const hash = await funder.sendTransaction({ to: address, value: needed - balance + gasReserve });
      await client.waitForTransactionReceipt({ hash });
    }
  }

  // A node kept from an earlier run announced that run's models on chain; when the devnet now runs on another
  // model store (--models), announce the new set, or the relay refuses tasks for models no node declares.
  const modelIds = [...parameters.models.ids.llm, ...parameters.models.ids.sd, ...parameters.models.ids.sd_ft]
    .map((id) => getModelId(`base:${id}`))
    .sort();
  for (let index = 0; index < count; index++) {
    const account = privateKeyToAccount(keys[index]!);
    const info = await readNodeInfo(client as never, contracts, account.address);
    if (info.status === 'Quit') continue;
    const announced = (await client.readContract({
      address: contracts.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'modelsOf',
      args: [account.address],
    })) as readonly Hex[];
    if (
      announced
        .map((id) => id.toLowerCase())
        .sort()
        .join() === modelIds.join()
    )
      continue;
    const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
    const hash = await wallet.writeContract(updateModelsRequest(contracts, modelIds) as never);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`updateModels of node ${index} reverted (${hash})`);
    log(`Node ${index} (${account.address}) now announces the models of ${parameters.models.dir}.`);
  }

  // LLM tasks draw from the nodes of exactly their argument version (one exact-match bucket), image tasks from
  // every node of the same major: registering the LLM version serves both (the worker runs SD 1.x arguments).
  const version = taskArgsVersions.llm;
  const models = [...parameters.models.ids.llm, ...parameters.models.ids.sd, ...parameters.models.ids.sd_ft];
  // The nodes start together; their lines come in node order (node 2 before node 0 read as a fault).
  const logNode = createOrderedLog(count, log);
  const settled = await Promise.allSettled(
    keys.slice(0, count).map(async (key, index) => {
      const keystore = join(paths.nodeDir(index), 'keystore.json');
      ensureDevnetKeystore({
        path: keystore,
        password: parameters.password,
        createKey: () => key,
        expectedKey: key,
      });
      const config = nodeConfigSchema.parse({
        rpcUrl,
        deployment: paths.deployment,
        keystore,
        passwordFile: paths.keystorePassword,
        dataDir: paths.nodeDir(index),
        modelsDir: parameters.models.dir,
        relayUrl: parameters.relayUrl,
        // Instant mining: a block is final when mined.
        confirmations: 0,
        pollIntervalMs: parameters.settings.pollIntervalMs,
        followIntervalMs: parameters.settings.followIntervalMs,
        deadlineMarginSec: 30,
        gpuName: devnetGpu.name,
        vramGib: devnetGpu.vramGib,
        version,
        api: { port: parameters.apiPortBase === 0 ? 0 : parameters.apiPortBase + index },
        // Many workers loading onnxruntime and transformers.js at once on 2 loaded cores take minutes, not 60 s.
        worker: { threads: parameters.settings.workerThreads, handshakeTimeoutMs: 300_000 },
        // Earnings stay owed on chain until withdrawn (`verinet node withdraw`): no timer in the devnet.
        withdrawIntervalMs: 0,
        logLevel: parameters.settings.logLevel,
      });
      const node = await startNode({
        config,
        chainFeed: parameters.chainFeed,
        logger: parameters.logger?.child(
          { service: `node ${index}` },
          { level: parameters.settings.logLevel },
        ),
      });
      parameters.onStarted(node);
      const info = await readNodeInfo(
        node.runtime.client,
        node.runtime.contracts,
        node.runtime.account.address,
      );
      let joined = false;
      if (info.status === 'Quit') {
        await joinNode(node.runtime, { models, version });
        joined = true;
      } else if (info.status === 'Paused' || info.status === 'PendingPause') {
        await resumeNode(node.runtime);
      }
      const after = await readNodeInfo(
        node.runtime.client,
        node.runtime.contracts,
        node.runtime.account.address,
      );
      logNode(
        index,
        `Node ${index} ${node.runtime.account.address}: ${after.status}, stake ${formatEther(after.stake)} ETH${joined ? ' (joined now)' : ''}, status ${node.apiUrl}`,
      );
      return { index, address: node.runtime.account.address, apiUrl: node.apiUrl, joined };
    }),
  );
  // Every start has finished (or failed) before this returns, so the caller's cleanup stops them all.
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  await warmWorkers(parameters.started(), log, parameters.signal);
  return settled.map((result) => (result as PromiseFulfilledResult<DevnetNodeInfo>).value);
}

/**
 * Starts every node's worker now, two at a time (the machine's cores), instead of all at once on the first
 * tasks: a first task then waits for no worker, and twenty workers loading their libraries together do not
 * starve each other past their handshake timeout.
 */
async function warmWorkers(
  nodes: StartedNode[],
  log: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  log(`Starting ${nodes.length} worker process${nodes.length === 1 ? '' : 'es'}…`);
  const began = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < nodes.length && !signal?.aborted) {
      const node = nodes[next++]!;
      // The daemon holds the node's WorkerSupervisor (typed down to run/cancel in its context).
      await (node.daemon.context.worker as unknown as WorkerSupervisor).start();
    }
  };
  await Promise.all([lane(), lane()]);
  if (signal?.aborted) return;
  log(`Workers ready in ${((Date.now() - began) / 1000).toFixed(1)} s.`);
}
