import { existsSync } from 'node:fs';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { chooseDefaultFee } from '@verinet/sdk';
import { Command } from 'commander';
import { createPublicClient, http } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { assertDirectoryPath } from '../cli/assertDirectoryPath.js';
import { CommandError } from '../cli/errors.js';
import { parseChoiceArgument, parseIntegerArgument } from '../cli/options.js';
import { printLine, printNote } from '../cli/output.js';
import { printJson } from '../cli/printJson.js';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { createDevnetServices } from '../devnet/devnetServices.js';
import { formatDevnetSummary } from '../devnet/formatDevnetSummary.js';
import { type Devnet, DevnetStartAbortedError, startDevnet } from '../devnet/startDevnet.js';

/** anvil's defaults: 10 accounts of 10,000 ether from the test mnemonic. */
const testAccountCount = 10;

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type DevnetOptions = {
  port: number;
  dir: string;
  blockTime?: number;
  fresh?: boolean;
  json?: boolean;
  nodes: number;
  models?: string;
  relayPort: number;
  nodeApiPort: number;
  logLevel: (typeof logLevels)[number];
  nodePollMs: number;
  bridgePort: number;
  explorer: boolean;
  explorerPort: number;
};

export function createDevnetCommand(): Command {
  return new Command('devnet')
    .summary('start the whole local network: chain and contracts, relay, nodes')
    .description(
      `Starts the local network on 127.0.0.1: an anvil chain with the Verinet contracts, the relay (SQLite) and N node daemons, each with its own keystore and stake, running the worker on tiny random models (or on a model store given with --models). Writes DIR/deployment.json and DIR/network.json and runs until Ctrl-C, which stops everything. The state (chain, relay, nodes) is kept across starts; --fresh (or deleting DIR) starts from nothing.`,
    )
    .option('--port <port>', 'chain RPC port on 127.0.0.1', parseIntegerArgument('--port', 1, 65535), 8545)
    .option('--dir <dir>', 'folder of the devnet state', '.verinet/devnet')
    .option('--nodes <n>', 'number of nodes', parseIntegerArgument('--nodes', 1, 64), 3)
    .option(
      '--models <dir>',
      'model store the nodes run on (a folder made by `verinet model import`); default: tiny random models',
    )
    .option(
      '--relay-port <port>',
      'relay port on 127.0.0.1 (0: any free port)',
      parseIntegerArgument('--relay-port', 0, 65535),
      8600,
    )
    .option(
      '--node-api-port <port>',
      'status API port of node 0; node i uses port + i (0: any free ports)',
      parseIntegerArgument('--node-api-port', 0, 65535),
      8701,
    )
    .option(
      '--bridge-port <port>',
      'port of the OpenAI-compatible bridge and web UI on 127.0.0.1 (0: any free port)',
      parseIntegerArgument('--bridge-port', 0, 65535),
      8080,
    )
    .option('--no-explorer', 'do not start the explorer indexer (Ponder; it takes 20–70 s to start)')
    .option(
      '--explorer-port <port>',
      "port of the explorer indexer's API on 127.0.0.1 (0: any free port)",
      parseIntegerArgument('--explorer-port', 0, 65535),
      8090,
    )
    .option(
      '--block-time <seconds>',
      'seconds between blocks (default: a block per transaction)',
      parseIntegerArgument('--block-time', 1, 60),
    )
    .option(
      '--log-level <level>',
      `level of the services' log file DIR/devnet.log (${logLevels.join(', ')}); warnings and errors also print here, one line each`,
      parseChoiceArgument('--log-level', logLevels),
      'info',
    )
    .option(
      '--node-poll-ms <ms>',
      'how often each node polls the chain for new tasks',
      parseIntegerArgument('--node-poll-ms', 10, 60_000),
      200,
    )
    .option('--fresh', 'delete the saved state (chain, relay, nodes) and start from nothing')
    .option('--json', 'once running, print the network and test accounts as JSON')
    .action(async (options: DevnetOptions) => runDevnet(options));
}

async function runDevnet(options: DevnetOptions): Promise<void> {
  const dir = assertDirectoryPath('--dir', options.dir);
  const modelsDir =
    options.models === undefined ? undefined : assertDirectoryPath('--models', options.models);
  // Before any work: a mistyped --models used to be found after compiling the contracts.
  if (modelsDir !== undefined && !existsSync(modelsDir))
    throw new CommandError(`--models ${options.models}: no such folder.`, {
      details: [
        `Import a model first: \`npx verinet model import ./my-model --models-dir ${options.models}\`.`,
      ],
    });
  const log = options.json ? (line: string) => printNote(line) : (line: string) => printLine(line);

  // Stop signals are taken from the start, so Ctrl-C during compilation, deployment or the nodes' start also
  // cleans up. A second signal while stopping is ignored: the first stop saves the chain and must finish.
  const abort = new AbortController();
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  let firstSignalAt = 0;
  let devnet: Devnet | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      // tsx and npm relay the terminal's Ctrl-C: one key press can arrive twice within a few milliseconds.
      if (Date.now() - firstSignalAt > 1_000)
        log('Still stopping (nodes finish their current step, anvil saves the chain)…');
      return;
    }
    firstSignalAt = Date.now();
    // Once running, the stop is announced below; while starting, say at once that this is a requested stop.
    if (devnet === undefined)
      log(
        `Stopping on request (${signal === 'SIGINT' ? 'Ctrl-C' : signal}): stopping what has started so far…`,
      );
    abort.abort();
    stopRequested();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // `npm start --fresh` (without `--`): npm keeps the flag for itself (npm_config_fresh) and the devnet never sees
  // it; the state is then kept, which the summary says, but the user asked for the opposite (trial s15).
  if (!options.fresh && process.env.npm_config_fresh === 'true')
    log(
      'Note: `npm start --fresh` passes --fresh to npm, not to the devnet: the saved state is kept. For a fresh start: `npm start -- --fresh`.',
    );
  try {
    try {
      devnet = await startDevnet({
        dir,
        port: options.port,
        relayPort: options.relayPort,
        nodeApiPort: options.nodeApiPort,
        nodes: options.nodes,
        modelsDir,
        fresh: options.fresh,
        blockTime: options.blockTime,
        nodeSettings: { logLevel: options.logLevel, pollIntervalMs: options.nodePollMs },
        relayLogLevel: options.logLevel,
        logLevel: options.logLevel,
        services: createDevnetServices({
          bridgePort: options.bridgePort,
          explorer: options.explorer,
          explorerPort: options.explorerPort,
        }),
        log,
        signal: abort.signal,
      });
    } catch (error) {
      if (error instanceof DevnetStartAbortedError) {
        log('Stopped while starting; everything started so far was stopped.');
        return;
      }
      throw error;
    }
    const publicClient = createPublicClient({ transport: http(devnet.rpcUrl) });
    const accounts = await Promise.all(
      Array.from({ length: testAccountCount }, async (_, index) => {
        const privateKey = getDevnetPrivateKey(index);
        const address = privateKeyToAddress(privateKey);
        return { index, address, privateKey, balance: await publicClient.getBalance({ address }) };
      }),
    );
    // What a task costs here: the fee rule the CLI, the SDK and the bridge share (docs/sdk.md "Fees").
    const read = (functionName: 'goingPrice' | 'minFee') =>
      publicClient.readContract({
        address: devnet!.deployment.contracts.taskManager,
        abi: taskManagerAbi,
        functionName,
      }) as Promise<bigint>;
    const [goingPrice, minFee] = await Promise.all([read('goingPrice'), read('minFee')]);
    const fee = {
      goingPrice,
      minFee,
      fee: chooseDefaultFee({ goingPrice, minFee, maxDefaultFee: undefined }),
    };
    if (options.json) {
      printJson({
        ...devnet.network,
        fee: { goingPrice: goingPrice.toString(), minFee: minFee.toString(), fee: fee.fee.toString() },
        state: devnet.state,
        stateReason: devnet.stateReason,
        deployment: devnet.deployment,
        relaySigner: devnet.relaySigner,
        accounts,
      });
    } else {
      printLine(formatDevnetSummary({ devnet, accounts, blockTime: options.blockTime, fee }));
    }
    await Promise.race([stopped, devnet.anvilExited]);
    log('Stopping: services, nodes (each finishes its current step), relay, then anvil (saves the chain)…');
  } finally {
    await devnet?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  log('Stopped.');
}
