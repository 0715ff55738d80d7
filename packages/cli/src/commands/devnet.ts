import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { taskManagerAbi } from '@verinet/protocol/chain';
import { chooseDefaultFee } from '@verinet/sdk';
import { formatEth } from '@verinet/web/format';
import { Command } from 'commander';
import { createPublicClient, getAddress, http } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { assertDirectoryPath } from '../cli/assertDirectoryPath.js';
import { CommandError } from '../cli/errors.js';
import { formatAmount } from '../cli/formatAmount.js';
import { parseChoiceArgument, parseIntegerArgument } from '../cli/options.js';
import { printLine, printNote } from '../cli/output.js';
import { printJson } from '../cli/printJson.js';
import { devnetAccounts, devnetMnemonic, getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { createDevnetServices } from '../devnet/devnetServices.js';
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
      printLine(formatSummary(devnet, accounts, options, fee));
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

function formatSummary(
  devnet: Devnet,
  accounts: { index: number; address: string; privateKey: string; balance: bigint }[],
  options: DevnetOptions,
  fee: { goingPrice: bigint; minFee: bigint; fee: bigint },
): string {
  // Paths inside the current folder are shown relative to it, others whole.
  const shown = (path: string) => {
    const inside = relative(process.cwd(), path);
    return inside === '' ? '.' : inside.startsWith('..') || isAbsolute(inside) ? path : inside;
  };
  const stateLine =
    devnet.state === 'kept'
      ? `KEPT from the previous run (chain, relay, nodes); \`npm start -- --fresh\` resets it`
      : `FRESH (${devnet.stateReason}); the next start keeps it unless --fresh`;
  const models = devnet.models.tiny
    ? `Models: TINY RANDOM-WEIGHT test models (${devnet.network.models.ids.join(', ')}) ${devnet.models.written ? 'written to' : 'kept in'} ${shown(devnet.models.dir)}.
  They exist so the network runs offline with no download: their images are noise and their text is
  gibberish. Everything else (chain, relay, nodes, verification, payment) is the real thing.
  To run the nodes on real models: import an ONNX export into a model store, then start with --models:
    npx verinet model import ./stable-diffusion-v1-5-onnx --id runwayml/stable-diffusion-v1-5 --models-dir .verinet/models
    npm start -- --models .verinet/models      (docs/models.md says which files a model folder needs)`
    : `Models: ${devnet.network.models.ids.join(', ')} from ${shown(devnet.models.dir)}.`;
  const contracts = Object.entries(devnet.deployment.contracts)
    .map(([name, address]) => `  ${name.padEnd(15)} ${getAddress(address)}`)
    .join('\n');
  const nodes = devnet.nodes
    .map(
      (node) =>
        `  node ${String(node.index).padEnd(3)} ${node.address}  status ${node.apiUrl}${node.joined ? '  (joined now)' : ''}`,
    )
    .join('\n');
  const services = devnet.services.map(
    (service) =>
      `  ${service.name.padEnd(15)} ${service.url}${service.notes.map((note) => `\n    ${note}`).join('')}`,
  );
  const testAccounts = accounts
    .map(
      ({ index, address, privateKey, balance }) =>
        `  (${index}) ${address}  ${formatAmount(balance).padEnd(16)} key ${privateKey}${
          index === devnetAccounts.deployer.index
            ? '  (deployer, owner)'
            : index === devnet.network.app.accountIndex
              ? '  (default app of `verinet task`)'
              : ''
        }`,
    )
    .join('\n');
  const dirOption =
    shown(devnet.paths.dir) === '.verinet/devnet' ? '' : ` --devnet ${shown(devnet.paths.dir)}`;
  return `
Verinet devnet is running.
  state          ${stateLine}
  chain          ${devnet.rpcUrl}  (chain id ${devnet.deployment.chainId}; ${options.blockTime ? `a block every ${options.blockTime} s` : 'a block per transaction'})
  relay          ${devnet.relayUrl}  (SQLite in ${shown(devnet.paths.relayData)}; signer ${devnet.relaySigner}, registered on chain)
  deployment     ${shown(devnet.paths.deployment)}
  network file   ${shown(devnet.paths.network)}
  logs           ${shown(devnet.logFile)}  (relay, nodes, bridge, explorer; warnings and errors also print here)
${contracts}

Nodes (${devnet.nodes.length}; GPU "${devnet.network.gpu.name}", keystores and data in ${shown(devnet.paths.nodesDir)}):
${nodes}
${services.length > 0 ? `\nServices:\n${services.join('\n')}\n` : ''}
${models}

A task costs ${formatEth(fee.fee)} per on-chain task (the chain's going price${fee.goingPrice === 0n ? ': no paid task yet' : ` ${formatEth(fee.goingPrice)}`}, kept within
  minFee ${formatEth(fee.minFee)} … 10 × minFee; \`verinet task run\`, the SDK and the bridge all use this rule;
  --fee overrides it). A sampled task (secretly, about 1 in 10) pays 3 fees, 2 of them refunded. Its 3 on-chain
  tasks must run on 3 different nodes, and a node is drawn again as soon as it reported: on a small devnet
  one node often gets two of them, and that one is replaced by a new on-chain task (one more fee, paid, not refunded;
  up to 4 per task, then each result is validated alone). \`task run\` prints how many on-chain tasks it took.

Run a task (in another terminal):
  npx verinet task run --type sd --prompt "a lighthouse at dusk"${dirOption}   # PNGs in ./verinet-output/
  npx verinet task run --type llm --prompt "Say hello"${dirOption}
  npx verinet task list${dirOption}

Test accounts (mnemonic "${devnetMnemonic}"; public keys, for this devnet only):
${testAccounts}

Press Ctrl-C to stop.`;
}
