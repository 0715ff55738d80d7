import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Deployment } from '@verinet/protocol/chain';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { Hex } from 'viem';
import type { RelayConfig } from '../config/relayConfig.js';
import { RelayStartError } from './RelayStartError.js';

/** Primary → worker: what one relay worker serves with (the key travels over the IPC channel, never argv/env). */
export type RelayWorkerStart = {
  type: 'relay-start';
  config: RelayConfig;
  deployment: Pick<Deployment, 'chainId' | 'contracts' | 'startBlock'>;
  privateKey: Hex;
  /** 0 … workers − 1; worker 0 runs the retention job. */
  index: number;
};

/** Worker → primary messages. */
export type RelayWorkerMessage =
  | { type: 'relay-waiting' }
  | { type: 'relay-listening'; url: string }
  | { type: 'relay-failed'; message: string }
  | { type: 'relay-metrics'; id: number };

export type StartRelayWorkersParameters = {
  config: RelayConfig;
  deployment: Pick<Deployment, 'chainId' | 'contracts' | 'startBlock'>;
  privateKey: Hex;
  logger: Logger;
};

export type StartedRelayWorkers = { url: string; close: () => Promise<void>; closed: Promise<void> };

/**
 * `workers` relay processes on one port (node:cluster; the kernel's connections are handed out round-robin by
 * this primary). Each worker is a whole relay (serveRelay) over the shared storage, whose replay claims,
 * quotas and commits are transactions of that storage, so they hold across processes as across relay
 * instances; per-address rate limits are split between the workers; worker 0 runs retention; /metrics
 * answers the sum over the workers. A worker that dies is replaced; a worker that cannot start fails the start.
 *
 * @example
 * const workers = await startRelayWorkers({ config, deployment, privateKey, logger });
 */
export async function startRelayWorkers(
  parameters: StartRelayWorkersParameters,
): Promise<StartedRelayWorkers> {
  const { config, deployment, privateKey, logger } = parameters;
  const here = import.meta.url;
  const exec = fileURLToPath(new URL(`./relayWorkerMain${here.slice(here.lastIndexOf('.'))}`, here));
  // The workers run TypeScript as this process does (tsx), whatever flags started this one.
  cluster.setupPrimary({
    exec,
    args: [],
    execArgv: exec.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [],
  });
  const aggregator = new AggregatorRegistry();
  const slots: (Worker | undefined)[] = Array.from({ length: config.workers });
  let stopping = false;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  const fork = (index: number) =>
    new Promise<string>((resolve, reject) => {
      const worker = cluster.fork({ VERINET_RELAY_WORKER_INDEX: String(index) });
      slots[index] = worker;
      let listening = false;
      worker.on('message', (message: RelayWorkerMessage) => {
        // The worker listens for its start message only once its modules are loaded: sent earlier, it would be lost.
        if (message.type === 'relay-waiting')
          worker.send({
            type: 'relay-start',
            config,
            deployment,
            privateKey,
            index,
          } satisfies RelayWorkerStart);
        else if (message.type === 'relay-listening') {
          listening = true;
          resolve(message.url);
        } else if (message.type === 'relay-failed') reject(new RelayStartError(message.message));
        else if (message.type === 'relay-metrics')
          aggregator.clusterMetrics().then(
            (text) => worker.send({ type: 'relay-metrics', id: message.id, text }),
            (error: Error) => worker.send({ type: 'relay-metrics', id: message.id, error: error.message }),
          );
      });
      worker.once('exit', (code, signal) => {
        if (slots[index] === worker) slots[index] = undefined;
        if (!listening) {
          reject(new RelayStartError(`Relay worker ${index} exited before listening (${signal ?? code}).`));
          return;
        }
        if (stopping) return;
        // Killed or crashed: whatever it had committed is in the storage; a new process takes its place.
        logger.error({ worker: index, code, signal }, 'relay worker died; starting a new one');
        fork(index).catch((error: unknown) =>
          logger.error({ err: error, worker: index }, 'relay worker restart failed'),
        );
      });
    });

  const stopAll = async () => {
    stopping = true;
    await Promise.all(
      slots.map((worker) => {
        if (!worker || worker.isDead()) return undefined;
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.send({ type: 'relay-stop' });
        // A worker that does not finish its requests in time is killed (as a single relay is by its signal handler).
        const kill = setTimeout(() => worker.process.kill('SIGKILL'), 15_000);
        return exited.finally(() => clearTimeout(kill));
      }),
    );
  };

  let url: string;
  try {
    url = (await Promise.all(slots.map((_slot, index) => fork(index))))[0]!;
  } catch (error) {
    await stopAll();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await stopAll();
      logger.info('relay stopped');
      resolveClosed();
    })();
    return closing;
  };
  return { url: url!, close, closed };
}
