import { readFileSync } from 'node:fs';
import { decryptKeystore } from '@verinet/cli/src/keystore/keystore.js';
import { readPassword } from '@verinet/cli/src/keystore/readPassword.js';
import { readDeployment } from '@verinet/protocol/chain';
import { privateKeyToNativeAccount } from '@verinet/protocol/nativeSecp256k1';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createPublicClient, http } from 'viem';
import { loadRelayConfig } from '../config/loadRelayConfig.js';
import type { RelayConfig } from '../config/relayConfig.js';
import { RelayStartError } from './RelayStartError.js';
import { serveRelay } from './serveRelay.js';
import { startRelayWorkers } from './startRelayWorkers.js';

export { RelayStartError };

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
  /** The Fastify app; undefined when `workers` > 1 (the apps live in the worker processes). */
  app: FastifyInstance | undefined;
  url: string;
  config: RelayConfig;
  /** Graceful shutdown: stop accepting, finish requests in flight, stop the retention job, close storage. */
  close: () => Promise<void>;
  closed: Promise<void>;
};

/**
 * `verinet relay start`: loads the config (file, VERINET_RELAY_* variables, options), the deployment and the
 * relay key, checks the RPC serves the deployment's chain, opens the storage, listens, and runs retention; with
 * `workers` > 1, that many processes serve the port (startRelayWorkers).
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
  const privateKey = decryptKeystore(keystore, password);
  // Signs a statement for every upload: libsecp256k1, the same signatures as viem's account.
  const signer = privateKeyToNativeAccount(privateKey);

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
  if (config.workers > 1) {
    const workers = await startRelayWorkers({ config, deployment, privateKey, logger });
    logger.info(
      { url: workers.url, signer: signer.address, storage: config.storage.kind, workers: config.workers },
      'relay listening',
    );
    if (options.handleSignals) handleSignals(logger, workers.close);
    return { app: undefined, url: workers.url, config, close: workers.close, closed: workers.closed };
  }
  const served = await serveRelay({ config, deployment, signer, logger, retention: true });
  logger.info({ url: served.url, signer: signer.address, storage: config.storage.kind }, 'relay listening');

  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await served.close();
      logger.info('relay stopped');
      resolveClosed();
    })();
    return closing;
  };
  if (options.handleSignals) handleSignals(logger, close);
  return { app: served.app, url: served.url, config, close, closed };
}

function handleSignals(logger: Logger, close: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    void close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
