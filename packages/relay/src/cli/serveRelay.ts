import type { Deployment } from '@verinet/protocol/chain';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { LocalAccount } from 'viem';
import { buildRelay } from '../app/buildRelay.js';
import type { RelayContext } from '../app/context.js';
import { createRelayContext } from '../app/createRelayContext.js';
import { createChainReader } from '../chain/createChainReader.js';
import type { RelayConfig } from '../config/relayConfig.js';
import { runRetention } from '../retention/runRetention.js';
import { createRelayStorage } from '../storage/createRelayStorage.js';

export type ServeRelayParameters = {
  config: RelayConfig;
  deployment: Pick<Deployment, 'chainId' | 'contracts' | 'startBlock'>;
  signer: LocalAccount;
  logger: Logger;
  /** Run the retention job here (one process of a multi-process relay does). */
  retention: boolean;
  /** Per-process share of `limits.requestsPerMinute` (its workers split it; 1 for a single process). */
  rateLimitShare?: number | undefined;
  /** How /metrics collects its text (a worker asks its primary for the sum over workers). */
  collectMetrics?: (() => Promise<string>) | undefined;
  /** Called with the relay's context before it listens. */
  onContext?: ((context: RelayContext) => void) | undefined;
};

export type ServedRelay = { app: FastifyInstance; url: string; close: () => Promise<void> };

/**
 * One relay process: storage, chain reader, the Fastify app listening, and (when asked) the retention job.
 * `startRelay` runs one in its own process, or one per worker process when `workers` > 1.
 *
 * @example
 * const served = await serveRelay({ config, deployment, signer, logger, retention: true });
 */
export async function serveRelay(parameters: ServeRelayParameters): Promise<ServedRelay> {
  const { config, deployment, signer, logger } = parameters;
  const storage = await createRelayStorage(config);
  const chain = createChainReader({
    rpcUrl: config.rpcUrl,
    chainId: deployment.chainId,
    taskManager: deployment.contracts.taskManager,
    nodeRegistry: deployment.contracts.nodeRegistry,
    startBlock: BigInt(deployment.startBlock),
    cacheMs: config.chain.cacheMs,
    maxLogRange: BigInt(config.chain.maxLogRange),
  });
  const context = createRelayContext({
    config,
    storage,
    chain,
    signer,
    defaultMetrics: true,
    rateLimitShare: parameters.rateLimitShare,
    collectMetrics: parameters.collectMetrics,
  });
  parameters.onContext?.(context);
  context.state.ready = false;
  const app = await buildRelay({ context, logger: logger as never });
  const url = await app.listen({ host: config.host, port: config.port });
  context.state.ready = true;

  let running: Promise<unknown> = Promise.resolve();
  const timer = parameters.retention
    ? setInterval(() => {
        running = runRetention(context).catch((error: unknown) =>
          logger.warn({ err: error }, 'retention pass failed'),
        );
      }, config.retention.intervalSeconds * 1000)
    : undefined;
  timer?.unref();
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      context.state.ready = false;
      clearInterval(timer);
      await app.close();
      await running;
      await storage.meta.close();
      await storage.objects.close();
    })();
    return closing;
  };
  return { app, url, close };
}
