import { join, resolve } from 'node:path';
import { formatEth } from '@verinet/web/format';
import { WorkerStoppedError, WorkerSupervisor } from '@verinet/worker';
import pino, { type Logger } from 'pino';
import { zeroAddress } from 'viem';
import { startStatusApi } from '../api/startStatusApi.js';
import type { ChainSource } from '../chain/createChainFeed.js';
import { readNodeInfo, readOwed, withdrawEarningsRequest } from '../chain/taskManager.js';
import type { NodeConfig } from '../config/nodeConfig.js';
import { createNodeDaemon, type NodeDaemon } from '../daemon/createNodeDaemon.js';
import { createModelProvider, type ModelProgress } from '../models/createModelProvider.js';
import { createHttpRelayClient } from '../relay/createHttpRelayClient.js';
import type { RelayClient } from '../relay/types.js';
import { createNodeRuntime, type NodeRuntime } from './createNodeRuntime.js';
import { createWorkerExitHandler } from './createWorkerExitHandler.js';
import { applyPriceFloor } from './membership.js';

export type StartedNode = {
  runtime: NodeRuntime;
  daemon: NodeDaemon;
  apiUrl: string;
  stop: () => Promise<void>;
};

export type StartNodeParameters = {
  config: NodeConfig;
  /** Replaces the HTTP relay client (tests). */
  relay?: RelayClient | undefined;
  print?: ((line: string) => void) | undefined;
  /** Log here instead of stdout at config.logLevel (the devnet logs every service to one file). */
  logger?: Logger | undefined;
  /**
   * A chain feed shared by the nodes of one process (createChainFeed; the devnet runs all its nodes in one): the
   * watcher reads heads, headers and logs from it and wakes when it sees a block. Started and stopped by its owner.
   */
  chainFeed?: ChainSource | undefined;
};

/** Starts the daemon, the worker supervisor, the status API and the earnings schedule. */
export async function startNode(parameters: StartNodeParameters): Promise<StartedNode> {
  const { config } = parameters;
  const runtime = await createNodeRuntime(config);
  const log =
    parameters.logger?.child({ node: runtime.account.address }) ??
    pino({ level: config.logLevel, base: { node: runtime.account.address } });
  const dataDir = resolve(config.dataDir);
  const modelsDir = resolve(config.modelsDir);
  let stopping = false;
  const onWorkerExit = createWorkerExitHandler({
    notice: (level, message) => daemon.context.notice(level, message),
    start: () => worker.start(),
    isStopping: () => stopping,
    isStoppedError: (error) => error instanceof WorkerStoppedError,
  });
  const worker = new WorkerSupervisor({
    modelsDir,
    threads: config.worker.threads,
    maxRssMb: config.worker.maxRssMb,
    handshakeTimeoutMs: config.worker.handshakeTimeoutMs,
    onLog: (line) => log.debug({ component: 'worker' }, line),
    // A worker that dies (kill -9, a crash) leaves a line in the log and is started again at once; one ended by
    // the Ctrl-C that stops this node too stays down quietly (createWorkerExitHandler).
    onExit: (exit) => onWorkerExit(exit),
  });
  const relay =
    parameters.relay ??
    createHttpRelayClient({
      url: config.relayUrl,
      signer: runtime.account,
      chainId: runtime.deployment.chainId,
      taskManager: runtime.contracts.taskManager,
    });
  const models = config.modelSource
    ? createModelProvider({
        modelsDir,
        source: /^https?:/i.test(config.modelSource) ? config.modelSource : resolve(config.modelSource),
        onProgress: throttleProgress((p) =>
          log.info(
            { model: p.modelId, file: p.file, received: p.received, total: p.total },
            'model download progress',
          ),
        ),
      })
    : undefined;
  const daemon = createNodeDaemon({
    store: runtime.store,
    client: runtime.client,
    sender: runtime.sender,
    node: runtime.account.address,
    contracts: runtime.contracts,
    startBlock: runtime.deployment.startBlock,
    relay,
    worker,
    dataDir: join(dataDir, 'files'),
    modelsDir,
    models,
    deadlineMarginSec: config.deadlineMarginSec,
    workerStallMs: config.worker.stallTimeoutMs,
    followIntervalMs: config.followIntervalMs,
    log,
    confirmations: config.confirmations,
    pollIntervalMs: config.pollIntervalMs,
    reorgDepth: config.reorgDepth,
    settleDelayMs: config.settleDelayMs,
    settleBackstopMs: config.settleBackstopMs,
    settleMaxGas: BigInt(config.settleMaxGas),
    chainSource: parameters.chainFeed,
  });
  await daemon.start();
  // The announced models are fetched up front (a task would otherwise wait for its first download).
  if (models) {
    for (const modelId of config.models) {
      void models.ensure(modelId).then(
        ({ fetched, bytes }) => {
          if (fetched)
            daemon.context.notice('info', `Model ${modelId} fetched (${(bytes / 1e6).toFixed(1)} MB).`);
        },
        (error: Error) =>
          error instanceof WorkerStoppedError ||
          daemon.context.notice(
            'warn',
            `Could not fetch model ${modelId} from ${models.source} yet: ${error.message.split('\n')[0]} (a task that needs it tries again).`,
          ),
      );
    }
  }
  if (config.priceFloorWei !== undefined) {
    const floor = BigInt(config.priceFloorWei);
    await applyPriceFloor(runtime, floor).then(
      (line) => line && daemon.context.notice('info', line),
      (error: Error) =>
        daemon.context.notice(
          'warn',
          `Could not set the price floor on chain: ${error.message.split('\n')[0]} (set again at the next start).`,
        ),
    );
  }
  const api = await startStatusApi({
    store: runtime.store,
    watcher: daemon.watcher,
    node: runtime.account.address,
    host: config.api.host,
    port: config.api.port,
    log,
  });
  parameters.print?.(`Node ${runtime.account.address} running; status on ${api.url}`);

  // Earnings are pull payments: withdraw them on a schedule when the node is its own beneficiary.
  let withdrawing = false;
  const withdrawTimer =
    config.withdrawIntervalMs > 0
      ? setInterval(async () => {
          if (withdrawing) return;
          withdrawing = true;
          try {
            const info = await readNodeInfo(runtime.client, runtime.contracts, runtime.account.address);
            if (
              info.beneficiary !== zeroAddress &&
              info.beneficiary.toLowerCase() !== runtime.account.address.toLowerCase()
            )
              return;
            const owed = await readOwed(runtime.client, runtime.contracts, runtime.account.address);
            if (owed < BigInt(config.withdrawMinWei)) return;
            await runtime.sender.sendAndWait({
              purpose: `withdrawEarnings:${Date.now()}`,
              request: withdrawEarningsRequest(runtime.contracts),
            });
            daemon.context.notice('info', `Withdrew ${formatEth(owed)} of earnings.`);
          } catch (error) {
            log.warn({ err: error }, 'scheduled withdrawal failed; will retry');
          } finally {
            withdrawing = false;
          }
        }, config.withdrawIntervalMs)
      : undefined;
  withdrawTimer?.unref();

  return {
    runtime,
    daemon,
    apiUrl: api.url,
    async stop() {
      stopping = true;
      if (withdrawTimer) clearInterval(withdrawTimer);
      await api.app.close();
      // The daemon first: its running step may finish with the worker (stopGraceMs); then the worker.
      await daemon.stop();
      await worker.stop();
      runtime.close();
    },
  };
}

/** At most one progress line per model file every 5 s. */
function throttleProgress(write: (p: ModelProgress) => void): (p: ModelProgress) => void {
  const last = new Map<string, number>();
  return (p) => {
    const key = `${p.modelId}/${p.file}`;
    const now = Date.now();
    if (p.received !== p.total && now - (last.get(key) ?? 0) < 5_000) return;
    last.set(key, now);
    write(p);
  };
}

/** `verinet node run`: starts the node and runs until SIGINT / SIGTERM, then shuts down gracefully. */
export async function runNode(parameters: StartNodeParameters): Promise<void> {
  const node = await startNode(parameters);
  await new Promise<void>((resolveStop) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      parameters.print?.('Stopping: finishing the current step (a second signal kills at once).');
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolveStop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await node.stop();
}
