import { parseCommandArgs, parseIntegerOption, UsageError } from './parseCommandArgs.js';
import type { Command } from './types.js';

const help = `verinet relay start [--config relay.json] [--host 127.0.0.1] [--port 7070] [--rpc-url URL]
                    [--deployment FILE] [--keystore FILE] [--data-dir DIR]

Runs the relay: task arguments and results, authorized by chain state (docs/relay-api.md). Options override
the config file, which overrides VERINET_RELAY_* variables' defaults; the keystore password comes from
VERINET_RELAY_PASSWORD or is asked for. Stops gracefully on SIGINT/SIGTERM.`;

export const relayCommand: Command = {
  summary: 'run the relay (task arguments and results)',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      console.log(help);
      return sub === undefined ? 1 : 0;
    }
    if (sub !== 'start') throw new UsageError(`Unknown relay command "${sub}".`, { details: [help] });
    const { values } = parseCommandArgs(
      rest,
      {
        config: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'rpc-url': { type: 'string' },
        deployment: { type: 'string' },
        keystore: { type: 'string' },
        'data-dir': { type: 'string' },
      },
      help,
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    // Loaded on use: the relay's server stack is not needed by the other commands.
    const { startRelay } = await import('@verinet/relay');
    const relay = await startRelay({
      config: values.config,
      host: values.host,
      port: values.port === undefined ? undefined : parseIntegerOption('port', values.port, 0, 0, 65535),
      rpcUrl: values['rpc-url'],
      deploymentFile: values.deployment,
      keystoreFile: values.keystore,
      dataDir: values['data-dir'],
      handleSignals: true,
    });
    console.log(`relay listening on ${relay.url}`);
    await relay.closed;
    return 0;
  },
};
