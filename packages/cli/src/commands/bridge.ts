import { Command } from 'commander';
import { UsageError } from '../cli/errors.js';
import { parseIntegerArgument } from '../cli/options.js';
import { printLine } from '../cli/output.js';
import { parseAmount } from '../cli/parseAmount.js';
import { printJson } from '../cli/printJson.js';

type StoreOptions = { config?: string; sqlitePath?: string; postgresUrl?: string };
type StartOptions = StoreOptions & {
  host?: string;
  port?: number;
  rpcUrl?: string;
  relayUrl?: string;
  deployment?: string;
  keystore?: string;
  webDir?: string;
  explorerUrl?: string;
};

/** Opens the bridge's job store as its config says (keys live there; no wallet needed). */
async function openStore(options: StoreOptions) {
  const { loadBridgeConfig, openJobStore } = await import('@verinet/bridge');
  const config = loadBridgeConfig({
    file: options.config,
    env: process.env,
    overrides: {
      'store.sqlitePath': options.sqlitePath,
      ...(options.postgresUrl ? { 'store.kind': 'postgres', 'store.postgresUrl': options.postgresUrl } : {}),
    },
  });
  return { config, store: await openJobStore(config.store) };
}

const storeOptions = (command: Command) =>
  command
    .option('--config <file>', 'bridge config file (JSON)')
    .option('--sqlite-path <file>', 'SQLite job store (default .verinet/bridge/bridge.db)')
    .option('--postgres-url <url>', 'PostgreSQL job store instead of SQLite');

/** `verinet bridge start|keys`: the application backend (docs/bridge.md); its logic lives in `@verinet/bridge`. */
export function createBridgeCommand(): Command {
  const bridge = new Command('bridge')
    .summary('run the bridge (OpenAI-compatible API, API keys, web UI)')
    .description(
      'The bridge holds a wallet and pays for tasks on behalf of API-key holders (docs/bridge.md).',
    );
  storeOptions(
    bridge
      .command('start')
      .description(
        'Runs the bridge until SIGINT/SIGTERM. Options override the config file, which overrides VERINET_BRIDGE_* variables; the keystore password comes from VERINET_BRIDGE_PASSWORD or is asked for.',
      )
      .option('--host <host>', 'address to bind (default 127.0.0.1)')
      .option('--port <n>', 'port to listen on', parseIntegerArgument('--port', 0, 65535))
      .option('--rpc-url <url>', 'chain RPC URL')
      .option('--relay-url <url>', 'relay URL')
      .option('--deployment <file>', 'deployment file (contract addresses)')
      .option('--keystore <file>', "the paying wallet's keystore v3 file")
      .option('--web-dir <dir>', 'built web UI to serve at /')
      .option('--explorer-url <url>', 'explorer indexer to proxy at /explorer'),
  ).action(async (options: StartOptions) => {
    const { startBridge } = await import('@verinet/bridge');
    const started = await startBridge({
      config: options.config,
      host: options.host,
      port: options.port,
      rpcUrl: options.rpcUrl,
      relayUrl: options.relayUrl,
      deploymentFile: options.deployment,
      keystoreFile: options.keystore,
      sqlitePath: options.sqlitePath,
      postgresUrl: options.postgresUrl,
      webDir: options.webDir,
      explorerUrl: options.explorerUrl,
      handleSignals: true,
    });
    printLine(`bridge listening on ${started.url} (wallet ${started.wallet})`);
    await started.closed;
  });

  const keys = new Command('keys').description('API keys (stored hashed; a key is shown once, at creation)');
  storeOptions(
    keys
      .command('create')
      .description('Creates an API key and prints it once')
      .requiredOption('--name <name>', 'who the key is for')
      .option(
        '--rpm <n>',
        'requests per minute (default: the config keyDefaults)',
        parseIntegerArgument('--rpm', 1, 1_000_000),
      )
      .option(
        '--spend-limit <amount>',
        'total fees the key may spend (0.5, 10gwei…; default: the config keyDefaults)',
      )
      .option('--json', 'print JSON'),
  ).action(
    async (options: StoreOptions & { name: string; rpm?: number; spendLimit?: string; json?: boolean }) => {
      const spendLimitWei =
        options.spendLimit === undefined ? undefined : parseAmount('--spend-limit', options.spendLimit);
      const { addApiKey } = await import('@verinet/bridge');
      const { config, store } = await openStore(options);
      try {
        const created = await addApiKey(
          store,
          { name: options.name, requestsPerMinute: options.rpm, spendLimitWei },
          config.keyDefaults,
        );
        if (options.json) printJson(created);
        else {
          printLine(`id:  ${created.id}`);
          printLine(`key: ${created.key}`);
          printLine('Keep the key now: only its hash is stored.');
        }
      } finally {
        await store.close();
      }
    },
  );
  storeOptions(
    keys
      .command('list')
      .description('Lists API keys (never the keys themselves)')
      .option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & { json?: boolean }) => {
    const { store } = await openStore(options);
    try {
      const list = (await store.listKeys()).map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        createdAt: new Date(k.createdAt).toISOString(),
        revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
        requestsPerMinute: k.requestsPerMinute,
        spendLimitWei: k.spendLimitWei?.toString() ?? null,
        spentWei: k.spentWei.toString(),
      }));
      if (options.json) printJson(list);
      else if (list.length === 0) printLine('no API keys');
      else
        for (const k of list)
          printLine(
            `${k.id}  ${k.prefix}…  ${k.name}  spent ${k.spentWei}${k.spendLimitWei ? `/${k.spendLimitWei}` : ''} wei${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}`,
          );
    } finally {
      await store.close();
    }
  });
  storeOptions(
    keys.command('revoke').description('Revokes an API key at once').argument('<id>', 'the key id (key_…)'),
  ).action(async (id: string, options: StoreOptions) => {
    const { store } = await openStore(options);
    try {
      if (!(await store.revokeKey(id, Date.now())))
        throw new UsageError(`No API key ${id} (verinet bridge keys list shows them).`);
      printLine(`revoked ${id}`);
    } finally {
      await store.close();
    }
  });
  bridge.addCommand(keys);
  return bridge;
}
