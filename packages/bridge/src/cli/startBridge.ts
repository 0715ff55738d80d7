import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decryptKeystore } from '@verinet/cli/src/keystore/keystore.js';
import { readPassword } from '@verinet/cli/src/keystore/readPassword.js';
import { BaseError } from '@verinet/protocol';
import { readDeployment } from '@verinet/protocol/chain';
import { createClient, getChainFromDeployment } from '@verinet/sdk';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { privateKeyToAccount } from 'viem/accounts';
import { buildBridge } from '../app/buildBridge.js';
import type { BridgeContext } from '../app/context.js';
import { createBridgeMetrics } from '../app/createBridgeMetrics.js';
import { createFollowerLimiter } from '../app/createFollowerLimiter.js';
import type { BridgeConfig } from '../config/bridgeConfig.js';
import { loadBridgeConfig } from '../config/loadBridgeConfig.js';
import { createFeeSource } from '../jobs/createFeeSource.js';
import { createJobRunner } from '../jobs/createJobRunner.js';
import { createPromptCheck } from '../jobs/createPromptCheck.js';
import { createSdkStore } from '../jobs/createSdkStore.js';
import { type AddApiKeyParameters, addApiKey } from '../keys/addApiKey.js';
import { openJobStore } from '../store/openJobStore.js';

export class BridgeStartError extends BaseError {
  override name = 'BridgeStartError' as const;
}

export type StartBridgeOptions = {
  /** JSON config file. */
  config?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  rpcUrl?: string | undefined;
  relayUrl?: string | undefined;
  deploymentFile?: string | undefined;
  keystoreFile?: string | undefined;
  /** The wallet's private key instead of a keystore (tests and the devnet, which hold devnet keys anyway). */
  privateKey?: `0x${string}` | undefined;
  /** The keystore password; else VERINET_BRIDGE_PASSWORD, else asked on the terminal. */
  password?: string | undefined;
  /** SQLite database file (store.sqlitePath). */
  sqlitePath?: string | undefined;
  postgresUrl?: string | undefined;
  webDir?: string | undefined;
  explorerUrl?: string | undefined;
  logLevel?: BridgeConfig['logLevel'] | undefined;
  /** Any other config field, as dotted paths (`limits.waitSeconds`) or whole objects (`models`). */
  overrides?: Record<string, unknown> | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Log here instead of stdout at config.logLevel (the devnet logs every service to one file). */
  logger?: Logger | undefined;
  /** Install SIGINT/SIGTERM handlers (the CLI does; tests and the devnet do not). */
  handleSignals?: boolean | undefined;
};

export type StartedBridge = {
  app: FastifyInstance;
  url: string;
  config: BridgeConfig;
  /** The paying wallet's address. */
  wallet: `0x${string}`;
  /** Creates an API key (the devnet prints `${url}/#key=${key}`). */
  createApiKey: (
    name: string,
    limits?: Omit<AddApiKeyParameters, 'name'>,
  ) => Promise<{ id: string; key: string }>;
  /** Graceful shutdown: stop accepting, let requests finish, stop jobs where they are (resumed at next start). */
  close: () => Promise<void>;
  closed: Promise<void>;
};

/**
 * `verinet bridge start`: loads the config, the deployment and the wallet, opens the job store, starts the SDK
 * client and the job runner (resuming unfinished jobs), listens.
 *
 * @example
 * const bridge = await startBridge({ config: 'bridge.json' }); console.log(bridge.url);
 */
export async function startBridge(options: StartBridgeOptions = {}): Promise<StartedBridge> {
  const env = options.env ?? process.env;
  const config = loadBridgeConfig({
    file: options.config,
    env,
    overrides: {
      ...options.overrides,
      host: options.host,
      port: options.port,
      rpcUrl: options.rpcUrl,
      relayUrl: options.relayUrl,
      deploymentFile: options.deploymentFile,
      keystoreFile: options.keystoreFile,
      'store.sqlitePath': options.sqlitePath,
      ...(options.postgresUrl ? { 'store.kind': 'postgres', 'store.postgresUrl': options.postgresUrl } : {}),
      webDir: options.webDir,
      explorerUrl: options.explorerUrl,
      logLevel: options.logLevel,
    },
  });
  const deployment = readDeployment(config.deploymentFile);
  let privateKey = options.privateKey;
  if (!privateKey) {
    let keystore: unknown;
    try {
      keystore = JSON.parse(readFileSync(config.keystoreFile, 'utf8'));
    } catch (cause) {
      throw new BridgeStartError(`Cannot read the bridge wallet's keystore ${config.keystoreFile}.`, {
        details: [
          'Create one with `verinet keystore create`, and point keystoreFile (VERINET_BRIDGE_KEYSTORE_FILE) at it.',
        ],
        cause,
      });
    }
    const password = options.password ?? env.VERINET_BRIDGE_PASSWORD ?? (await readPassword());
    privateKey = decryptKeystore(keystore, password);
  }
  const account = privateKeyToAccount(privateKey);
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'bridge' } });
  const store = await openJobStore(config.store);
  try {
    let secret = await store.getState('bridge/urlSecret');
    if (!secret) {
      secret = randomBytes(32).toString('hex');
      await store.setState('bridge/urlSecret', secret);
    }
    const chain = getChainFromDeployment(deployment, config.rpcUrl);
    const checkArgs =
      config.modelsDir === undefined
        ? undefined
        : {
            openai: createPromptCheck({ modelsDir: config.modelsDir, param: 'messages' }),
            native: createPromptCheck({ modelsDir: config.modelsDir, param: 'args.messages' }),
          };
    const client = createClient({
      chain,
      relay: config.relayUrl,
      account: privateKey,
      store: createSdkStore(store),
      pollIntervalMs: config.pollIntervalMs,
      // Checked again by the SDK before paying: a job created before the check existed, resumed now.
      checkArgs: checkArgs?.native,
    });
    const metrics = createBridgeMetrics({ defaults: true });
    const runner = createJobRunner({
      store,
      client,
      log: logger,
      metrics,
      concurrency: config.limits.concurrentJobs,
      leaseMs: config.limits.jobLeaseSeconds * 1000,
      ...(config.instanceId === undefined ? {} : { owner: `bridge@${config.instanceId}` }),
    });
    const context: BridgeContext = {
      config,
      store,
      runner,
      metrics,
      followers: createFollowerLimiter({
        perJob: config.limits.followersPerJob,
        perKey: config.limits.followersPerKey,
      }),
      log: logger,
      fees: createFeeSource({
        configured: config.fees,
        rpcUrl: config.rpcUrl,
        taskManager: chain.contracts.taskManager,
      }),
      checkArgs,
      urlSecret: Buffer.from(secret, 'hex'),
      info: {
        chainId: deployment.chainId,
        rpcUrl: config.rpcUrl,
        relayUrl: config.relayUrl,
        contracts: chain.contracts,
        wallet: account.address,
        explorerUrl: config.explorerUrl ?? null,
      },
      state: { ready: false },
    };
    const app = await buildBridge({ context, logger: logger as never });
    const address = await app.listen({ host: config.host, port: config.port });
    const url = address.replace('://[::1]', '://localhost');
    const resumed = await runner.resumeAll();
    context.state.ready = true;
    logger.info({ url, wallet: account.address, store: store.kind, resumed }, 'bridge listening');

    // Fees of refunded tasks (group members, aborted tasks) are owed to the wallet until withdrawn.
    const withdrawTimer = setInterval(() => {
      client.withdraw().catch((error: unknown) => logger.warn({ err: error }, 'withdraw failed'));
    }, 300_000);
    withdrawTimer.unref();

    let resolveClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        context.state.ready = false;
        clearInterval(withdrawTimer);
        await runner.stop();
        await app.close();
        await client.close();
        await store.close();
        logger.info('bridge stopped');
        resolveClosed();
      })();
      return closing;
    };
    if (options.handleSignals) {
      const onSignal = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'shutting down');
        setTimeout(() => process.exit(1), 15_000).unref();
        void close();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }
    return {
      app,
      url,
      config,
      wallet: account.address,
      createApiKey: (name, limits = {}) => addApiKey(store, { name, ...limits }, config.keyDefaults),
      close,
      closed,
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
