import { Command } from 'commander';
import { parseIntegerArgument } from '../cli/options.js';
import { printLine } from '../cli/output.js';

type StartOptions = {
  config?: string;
  host?: string;
  port?: number;
  rpcUrl?: string;
  deployment?: string;
  keystore?: string;
  dataDir?: string;
};

/** `verinet relay start`: the relay service (docs/relay-api.md); its logic lives in `@verinet/relay`. */
export function createRelayCommand(): Command {
  const relay = new Command('relay')
    .summary('run the relay (task arguments and results)')
    .description(
      'The relay carries task arguments and results, authorized by chain state (docs/relay-api.md).',
    );
  relay
    .command('start')
    .description(
      'Runs the relay until SIGINT/SIGTERM. Options override the config file, which overrides VERINET_RELAY_* variables; the keystore password comes from VERINET_RELAY_PASSWORD or is asked for.',
    )
    .option('--config <file>', 'relay config file (JSON)')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--port <n>', 'port to listen on', parseIntegerArgument('--port', 0, 65535))
    .option('--rpc-url <url>', 'chain RPC URL')
    .option('--deployment <file>', 'deployment file (contract addresses)')
    .option('--keystore <file>', "the relay signer's keystore v3 file")
    .option('--data-dir <dir>', 'where the SQLite database and files live')
    .action(async (options: StartOptions) => {
      // Loaded on use: the relay's server stack is not needed by the other commands.
      const { startRelay } = await import('@verinet/relay');
      const started = await startRelay({
        config: options.config,
        host: options.host,
        port: options.port,
        rpcUrl: options.rpcUrl,
        deploymentFile: options.deployment,
        keystoreFile: options.keystore,
        dataDir: options.dataDir,
        handleSignals: true,
      });
      printLine(`relay listening on ${started.url}`);
      await started.closed;
    });
  return relay;
}
