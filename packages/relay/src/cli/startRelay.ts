import { readFileSync } from 'node:fs';
import { decryptKeystore } from '@verinet/cli/src/keystore/keystore.js';
import { readPassword } from '@verinet/cli/src/keystore/readPassword.js';
import { BaseError } from '@verinet/protocol';
import { readDeployment } from '@verinet/protocol/chain';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createPublicClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { buildRelay } from '../app/buildRelay.js';
import { createRelayContext } from '../app/createRelayContext.js';
import { createChainReader } from '../chain/createChainReader.js';
import { loadRelayConfig } from '../config/loadRelayConfig.js';
import type { RelayConfig } from '../config/relayConfig.js';
import { runRetention } from '../retention/runRetention.js';
import { createRelayStorage } from '../storage/createRelayStorage.js';

export class RelayStartError extends BaseError {
  override name = 'RelayStartError' as const;
}

export type StartRelayOptions = {
  /** JSON config file. */
  config?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  rpcUrl?: string | undefined;
  deploymentFile?: string | undefined;
  keystoreFile?: string | undefined;
  dataDir?: string | undefined;
  /** The keystore password; else VERINET_RELAY_PASSWORD, else asked on the terminal. */
  password?: string | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Install SIGINT/SIGTERM handlers (the CLI does; tests do not). */
  handleSignals?: boolean | undefined;
  /** Log here instead of stdout at config.logLevel (the devnet logs every service to one file). */
  logger?: Logger | undefined;
};

export type StartedRelay = {
  app: FastifyInstance;
  url: string;
  config: RelayConfig;
  /** Graceful shutdown: stop accepting, finish requests in flight, stop the retention job, close storage. */
  close: () => Promise<void>;
  closed: Promise<void>;
};

/**
 * `verinet relay start`: loads the config (file, VERINET_RELAY_* variables, options), the deployment and the
 * relay key, opens the storage, checks the RPC serves the deployment's chain, listens, and runs retention.
 *
 * @example
 * const relay = await startRelay({ config: 'relay.json' });
 */
export async function startRelay(options: StartRelayOptions = {}): Promise<StartedRelay> {
  const env = options.env ?? process.env;
  const config = loadRelayConfig({
    file: options.config,
    env,
    overrides: {
      host: options.host,
      port: options.port,
      rpcUrl: options.rpcUrl,
      deploymentFile: options.deploymentFile,
      keystoreFile: options.keystoreFile,
      'storage.dataDir': options.dataDir,
    },
  });
  const deployment = readDeployment(config.deploymentFile);
  let keystore: unknown;
  try {
    keystore = JSON.parse(readFileSync(config.keystoreFile, 'utf8'));
  } catch (cause) {
    throw new RelayStartError(`Cannot read the relay keystore ${config.keystoreFile}.`, {
      details: [
        'Create one with `verinet keystore create`, and point keystoreFile (VERINET_RELAY_KEYSTORE_FILE) at it.',
      ],
      cause,
    });
  }
  const password = options.password ?? env.VERINET_RELAY_PASSWORD ?? (await readPassword());
  const signer = privateKeyToAccount(decryptKeystore(keystore, password));

  const rpcChainId = await createPublicClient({ transport: http(config.rpcUrl, { retryCount: 1 }) })
    .getChainId()
    .catch((cause: unknown) => {
      throw new RelayStartError(`The RPC ${config.rpcUrl} does not answer.`, { cause });
    });
  if (rpcChainId !== deployment.chainId)
    throw new RelayStartError(
      `The RPC serves chain ${rpcChainId}, the deployment file is for chain ${deployment.chainId}.`,
    );

  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'relay' } });
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
  const context = createRelayContext({ config, storage, chain, signer, defaultMetrics: true });
  context.state.ready = false;
  const app = await buildRelay({ context, logger: logger as never });
  const url = await app.listen({ host: config.host, port: config.port });
  context.state.ready = true;
  logger.info({ url, signer: signer.address, storage: storage.kind }, 'relay listening');

  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = runRetention(context).catch((error: unknown) =>
      logger.warn({ err: error }, 'retention pass failed'),
    );
  }, config.retention.intervalSeconds * 1000);
  timer.unref();

  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      context.state.ready = false;
      clearInterval(timer);
      await app.close();
      await running;
      await storage.meta.close();
      await storage.objects.close();
      logger.info('relay stopped');
      resolveClosed();
    })();
    return closing;
  };
  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(1), 15_000);
      force.unref();
      void close();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { app, url, config, close, closed };
}
