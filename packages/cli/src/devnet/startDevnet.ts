import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { StartedNode } from '@verinet/node/cli';
import { BaseError } from '@verinet/protocol';
import { type Deployment, readDeployment, writeDeployment } from '@verinet/protocol/chain';
import type { StartedRelay } from '@verinet/relay';
import { createPublicClient, type Hex, http } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { type Anvil, AnvilStateFileError, startAnvil } from '../anvil/startAnvil.js';
import { toRpcError } from '../chain/toRpcError.js';
import { CommandError } from '../cli/errors.js';
import { buildContracts, contractsNeedBuild } from '../deploy/artifacts.js';
import { deployContracts } from '../deploy/deployContracts.js';
import { devnetAccounts, getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import { assertPortsFree } from './assertPortsFree.js';
import {
  type ChainRewind,
  getChainRewind,
  readChainHeadRecord,
  recordChainHead,
  rewindMineMargin,
} from './chainHeadRecord.js';
import { claimDevnetDir } from './claimDevnetDir.js';
import { configureDevnetChain } from './configureDevnetChain.js';
import { createDevnetLogger } from './createDevnetLogger.js';
import { devnetAnvilOptions } from './devnetAnvilOptions.js';
import { type DevnetNetwork, readDevnetNetworkOrUndefined, writeDevnetNetwork } from './devnetNetwork.js';
import { type DevnetPaths, getDevnetPaths } from './devnetPaths.js';
import type { DevnetService, DevnetServiceContext, StartedDevnetService } from './devnetServices.js';
import { ensureDevnetKeystore, ensureDevnetPassword } from './ensureDevnetKeystore.js';
import { type DevnetModels, ensureDevnetModels } from './ensureDevnetModels.js';
import {
  type DevnetNodeInfo,
  type DevnetNodeSettings,
  devnetGpu,
  startDevnetNodes,
} from './startDevnetNodes.js';

/** Ctrl-C arrived while the devnet was starting: everything started so far was stopped. */
export class DevnetStartAbortedError extends BaseError {
  override name = 'DevnetStartAbortedError' as const;
  constructor(cause?: unknown) {
    super('The devnet was stopped while starting.', { cause });
  }
}

export type StartDevnetParameters = {
  /** Absolute folder of the devnet's state. */
  dir: string;
  /** anvil's RPC port on 127.0.0.1. */
  port: number;
  /** The relay's port (0: any free one). */
  relayPort: number;
  /** Status API port of node 0; node i listens on base + i (0: any free ones). */
  nodeApiPort: number;
  nodes: number;
  /** A model store made by `verinet model import`; default: tiny random models. */
  modelsDir?: string | undefined;
  fresh?: boolean | undefined;
  blockTime?: number | undefined;
  /** Test accounts anvil funds (the bench's apps need more than ten). */
  accounts?: number | undefined;
  nodeSettings?: Partial<DevnetNodeSettings> | undefined;
  relayLogLevel?: DevnetNodeSettings['logLevel'] | undefined;
  /**
   * Level of the services' log file (`<dir>/devnet.log`, default info); their warnings and errors also go to
   * `log`, one human line each.
   */
  logLevel?: DevnetNodeSettings['logLevel'] | undefined;
  /** Extra services, started in order after the nodes (`createDevnetServices`; default none). */
  services?: DevnetService[] | undefined;
  log: (line: string) => void;
  /** Aborted by Ctrl-C: the start stops between steps and cleans up. */
  signal?: AbortSignal | undefined;
};

export type Devnet = {
  paths: DevnetPaths;
  rpcUrl: string;
  relayUrl: string;
  deployment: Deployment;
  /** 'kept': the previous run's chain, relay and node state were reloaded; 'fresh': started from nothing. */
  state: 'kept' | 'fresh';
  /** Why the state is fresh when it is (first start, --fresh, or an unusable saved chain). */
  stateReason: string;
  /** Set when the kept chain is older than the head the previous run saw (anvil stopped without a final save). */
  chainRewind: ChainRewind | undefined;
  models: DevnetModels;
  nodes: DevnetNodeInfo[];
  relaySigner: string;
  /** `inSummary` false: shown by another service's notes, not on a line of its own. */
  services: { name: string; url: string; notes: string[]; inSummary: boolean }[];
  network: DevnetNetwork;
  /** The services' log file. */
  logFile: string;
  /**
   * The arguments of this start a suggested `npm start -- …` repeats (folder, node count, models, block time,
   * ports off their defaults), shell-quoted.
   */
  restartArguments: string[];
  /** Rejects when anvil stops on its own. */
  anvilExited: Promise<never>;
  stop: () => Promise<void>;
};

/** The application account `verinet task` pays from by default (anvil test account 1). */
export const devnetAppAccountIndex = 1;

/**
 * Starts the whole local network in this process: anvil with the contracts (kept across starts), the relay
 * (SQLite), N node daemons each running a worker child process, and the registered extra services. Any
 * failure, and an abort, stops what was started, in reverse order.
 *
 * @example
 * const devnet = await startDevnet({ dir, port: 8545, relayPort: 8600, nodeApiPort: 8701, nodes: 3, log });
 * // …
 * await devnet.stop();
 */
export async function startDevnet(parameters: StartDevnetParameters): Promise<Devnet> {
  const { dir, port, log } = parameters;
  const paths = getDevnetPaths(dir);
  // The outermost folder this start creates, if any: a start that fails removes it (trial s12: a failed `--dir X`
  // left X behind with a log in it, which the next start then took for a devnet folder).
  let createdTop: string | undefined;
  for (let folder = resolve(dir); !existsSync(folder) && dirname(folder) !== folder; folder = dirname(folder))
    createdTop = folder;
  mkdirSync(dir, { recursive: true });
  // A left-over anvil's chain is saved before it is stopped, unless --fresh is about to delete it.
  const claim = await claimDevnetDir({
    dir,
    port,
    log,
    stateFile: parameters.fresh ? undefined : paths.chainState,
  });
  // The devnet's own entries of the folder (getDevnetPaths) that were not there before this start's own files (a
  // chain the claim just saved from a left-over anvil is kept): a failed start removes only those, never another
  // entry that appeared meanwhile (with `--dir .` it could be a user's file).
  const own = new Set(
    Object.values(paths)
      .filter((path): path is string => typeof path === 'string' && path !== dir)
      .map((path) => relative(dir, path).split(sep)[0] ?? ''),
  );
  const kept = new Set(readdirSync(dir));
  const removeCreated = () => {
    try {
      if (createdTop) rmSync(createdTop, { recursive: true, force: true });
      else
        for (const entry of own)
          if (entry !== '' && !kept.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
    } catch (error) {
      log(
        `Removing what the failed start created in ${dir} failed: ${(error as Error).message.split('\n')[0]}`,
      );
    }
  };
  const stops: { what: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    while (stops.length > 0) {
      const { what, stop } = stops.pop()!;
      try {
        await stop();
      } catch (error) {
        log(`Stopping ${what} failed: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  };
  const checkpoint = () => {
    if (parameters.signal?.aborted) throw new DevnetStartAbortedError();
  };

  let restartArguments: string[] = [];
  try {
    const previous = readDevnetNetworkOrUndefined(paths.network);
    let stateReason = '';
    if (parameters.fresh) {
      for (const entry of readdirSync(dir)) {
        if (entry !== 'devnet.pid') rmSync(join(dir, entry), { recursive: true, force: true });
      }
      stateReason = '--fresh: the previous state was deleted';
    } else if (!existsSync(paths.chainState)) {
      stateReason = 'no saved state yet';
    }
    const logs = createDevnetLogger({ file: paths.log, level: parameters.logLevel ?? 'info', print: log });
    stops.push({ what: 'the log file', stop: async () => logs.close() });

    // Every fixed port first, each naming the flag that moves it: a clash found after compiling and starting
    // the chain and nodes cost the new-user trial 71 s and named no flag.
    const portRanges = [
      { port, flag: '--port' },
      ...(parameters.relayPort !== 0 ? [{ port: parameters.relayPort, flag: '--relay-port' }] : []),
      ...(parameters.nodeApiPort !== 0
        ? [{ port: parameters.nodeApiPort, flag: '--node-api-port', count: parameters.nodes }]
        : []),
      ...(parameters.services ?? []).flatMap((service) => service.ports ?? []),
    ];
    // This start's arguments a suggested `npm start -- …` repeats (the port error's, the summary's models hint).
    restartArguments = [
      ...getRestartArguments(parameters),
      ...portRanges.flatMap(({ port, flag }) =>
        defaultPorts[flag] === undefined || defaultPorts[flag] === port ? [] : [flag, String(port)],
      ),
    ];
    await assertPortsFree(portRanges, { keep: restartArguments });
    // A no-op build takes about a second; say "compiling" only when forge has work (the trial read the line at
    // every start as minutes of work).
    const compiling = contractsNeedBuild();
    if (compiling) log('Compiling contracts (first start or changed sources: a minute or more)…');
    const compileStarted = performance.now();
    buildContracts();
    if (compiling)
      log(`Contracts compiled in ${((performance.now() - compileStarted) / 1000).toFixed(1)} s.`);
    checkpoint();
    const models = await ensureDevnetModels({ tinyDir: paths.tinyModels, modelsDir: parameters.modelsDir });
    checkpoint();

    let anvil: Anvil;
    try {
      anvil = await startAnvil({
        port,
        blockTime: parameters.blockTime,
        stateFile: paths.chainState,
        onStateSaveError: (error) => log(`${error.shortMessage} The last saved state is kept.`),
        ...devnetAnvilOptions,
        chainId: 31337,
        accounts: parameters.accounts,
        // Ctrl-C reaches the whole terminal group: anvil must outlive the nodes' last steps, and is stopped last.
        ownProcessGroup: true,
        // Recorded at spawn: a kill -9 while anvil loads a large chain.json leaves nothing no start would stop.
        onSpawn: (pid, role) => claim.recordAnvil(pid, role),
      });
    } catch (error) {
      if (error instanceof AnvilStateFileError) {
        throw new CommandError(error.shortMessage, {
          details: [
            `Start from an empty chain with \`npm start -- --fresh\` (or delete ${dir}); move ${paths.chainState} away first to keep it.`,
          ],
          cause: error,
        });
      }
      throw error;
    }
    stops.push({ what: 'anvil', stop: () => anvil.stop() });
    let headRecord: ReturnType<typeof recordChainHead> | undefined;
    const anvilExited = new Promise<never>((_, reject) => {
      anvil.process.once('exit', (code, signal) => {
        // The newest head this run saw, at once: the next start compares the reloaded chain with it.
        headRecord?.flush();
        reject(
          new CommandError(
            `anvil stopped unexpectedly (code ${code}, signal ${signal}); blocks made after its last state save (up to a minute) may be gone.`,
            {
              details: [
                'Start the devnet again: the chain state saved last is reloaded, and the start says how far the chain went back.',
              ],
            },
          ),
        );
      });
    });
    anvilExited.catch(() => {});
    const rpcUrl = anvil.rpcUrl;

    const { deployment, reused } = await deployOrReuse(rpcUrl, paths.deployment, log).catch(
      (error: unknown) => {
        const cause = toRpcError(error, rpcUrl);
        throw new CommandError(
          `Deploying the contracts to the devnet failed: ${cause instanceof BaseError ? cause.shortMessage : String(cause)}`,
          { details: ['Start from an empty chain with `npm start -- --fresh`.'], cause },
        );
      },
    );
    if (!reused) {
      // New contracts: what the relay and nodes stored belongs to another chain (their cursors, tasks and
      // nonces would not match it).
      for (const stale of [join(dir, 'relay', 'data'), paths.nodesDir, paths.appDir])
        rmSync(stale, { recursive: true, force: true });
      if (!stateReason) stateReason = 'the saved chain held no contracts; deployed anew';
    }
    const state = stateReason ? 'fresh' : 'kept';
    // After a kill -9 of anvil the saved chain is older than what the nodes and apps saw: say how much older.
    const headClient = createPublicClient({ transport: http(rpcUrl) });
    const chainRewind: ChainRewind | undefined =
      state === 'kept'
        ? getChainRewind(readChainHeadRecord(paths.chainHead), Number(await headClient.getBlockNumber()))
        : undefined;
    if (chainRewind) {
      // The explorer's index holds blocks the chain no longer has, and its indexer refuses to start on a chain
      // behind its finalized block (trial s12: every start failed until its folder was deleted): rebuilt.
      rmSync(join(dir, 'explorer'), { recursive: true, force: true });
      // Past the old head by a margin: the tasks of the lost blocks can then be told LOST (nodes, `task status`)
      // even when nobody sends a transaction (trial s13: a user alone on the devnet saw BEHIND forever).
      const target = chainRewind.fromBlock + rewindMineMargin;
      await headClient.request({
        method: 'anvil_mine' as 'eth_blockNumber',
        params: [`0x${(target - chainRewind.toBlock).toString(16)}`] as unknown as undefined,
      });
      chainRewind.minedTo = Number(await headClient.getBlockNumber({ cacheTime: 0 }));
    }
    checkpoint();

    const password = ensureDevnetPassword(paths.keystorePassword);
    const relayKey = ensureDevnetKeystore({
      path: paths.relayKeystore,
      password,
      createKey: generatePrivateKey,
    });
    const relaySigner = privateKeyToAddress(relayKey);
    await configureDevnetChain({
      rpcUrl,
      deployment,
      ownerKey: devnetAccounts.deployer.privateKey,
      relaySigner,
      nodeCount: parameters.nodes,
      log,
    });
    checkpoint();

    const { startRelay } = await import('@verinet/relay');
    let relay: StartedRelay;
    try {
      relay = await startRelay({
        host: '127.0.0.1',
        port: parameters.relayPort,
        rpcUrl,
        deploymentFile: paths.deployment,
        keystoreFile: paths.relayKeystore,
        dataDir: paths.relayData,
        password,
        // The devnet's own settings, not the user's VERINET_RELAY_* variables: quiet logs, and no per-address
        // rate limit a benchmark or a loop of tasks from one test account would hit. The chain cache is the
        // default (1 s): a refusal is read again at a head read after the request (its log follower), so a node
        // asking right after its selection is served without the per-request chain read cacheMs 0 cost.
        env: {
          VERINET_RELAY_LOG_LEVEL: parameters.relayLogLevel ?? 'warn',
          VERINET_RELAY_LIMITS_REQUESTS_PER_MINUTE: '10000000',
        },
        logger: logs.logger.child(
          { service: 'relay' },
          { level: parameters.relayLogLevel ?? logs.logger.level },
        ),
      });
    } catch (error) {
      throw new CommandError(
        `The relay did not start: ${error instanceof BaseError ? error.shortMessage : (error as Error).message}`,
        {
          details: [`Check the relay port (--relay-port ${parameters.relayPort}) or start with --fresh.`],
          cause: error,
        },
      );
    }
    stops.push({ what: 'the relay', stop: () => relay.close() });
    const relayUrl = relay.url.replace('://localhost', '://127.0.0.1');
    checkpoint();

    log(`Starting ${parameters.nodes} node${parameters.nodes === 1 ? '' : 's'}…`);
    // The nodes share one reader of the chain: N watchers polling on their own made N times the same requests.
    const { createChainClient, createChainFeed } = await import('@verinet/node/chain');
    const nodePollMs = parameters.nodeSettings?.pollIntervalMs ?? 200;
    const chainFeed = createChainFeed({
      client: createChainClient({ rpcUrl, deployment }),
      addresses: [deployment.contracts.taskManager, deployment.contracts.nodeRegistry],
      pollIntervalMs: Math.min(nodePollMs, 100),
      // anvil serves WebSocket on its HTTP port: each new block wakes the feed at once (a node learns of its draw
      // without waiting for the next poll); the polls stay as the fallback.
      wsUrl: rpcUrl.replace(/^http/, 'ws'),
    });
    chainFeed.start();
    stops.push({ what: 'the chain feed', stop: () => chainFeed.stop() });
    const started: StartedNode[] = [];
    stops.push({
      what: 'the nodes',
      stop: async () => {
        await Promise.all(started.map((node) => node.stop()));
      },
    });
    const nodes = await startDevnetNodes({
      count: parameters.nodes,
      previouslyRegistered: reused ? (previous?.registeredNodes ?? 0) : 0,
      rpcUrl,
      relayUrl,
      deployment,
      paths,
      password,
      models,
      funderKey: devnetAccounts.deployer.privateKey,
      apiPortBase: parameters.nodeApiPort,
      chainFeed,
      settings: {
        pollIntervalMs: nodePollMs,
        followIntervalMs: parameters.nodeSettings?.followIntervalMs ?? 2_000,
        logLevel: parameters.nodeSettings?.logLevel ?? 'warn',
        workerThreads: parameters.nodeSettings?.workerThreads ?? 1,
      },
      log,
      logger: logs.logger,
      onStarted: (node) => started.push(node),
      started: () => started,
      signal: parameters.signal,
    });
    checkpoint();

    const services: Devnet['services'] = [];
    for (const service of parameters.services ?? []) {
      const context: DevnetServiceContext = {
        paths,
        rpcUrl,
        relayUrl,
        deployment,
        nodes,
        models: { llm: models.ids.llm, sd: models.ids.sd, dir: models.dir },
        services: Object.fromEntries(services.map((started) => [started.name, started.url])),
        log,
        recordChildPid: (pid) => claim.recordExplorer(pid),
        logger: logs.logger.child({ service: service.name }),
      };
      let running: StartedDevnetService;
      try {
        running = await service.start(context);
      } catch (error) {
        // The explorer's index can be ahead of the chain without a rewind this start saw (trial s13: a rewind,
        // tasks, Ctrl-C, then Ponder's "Finalized block … cannot move backwards" at every later start): its index
        // is only a cache of the chain, so it is rebuilt once, as after a rewind.
        if (
          service.name !== 'explorer' ||
          parameters.signal?.aborted ||
          !/cannot move backwards/i.test(error instanceof Error ? error.message : String(error))
        )
          throw error;
        const explorerDir = join(dir, 'explorer');
        log(
          `The explorer's index is ahead of the chain (its indexer: "cannot move backwards"): deleting ${explorerDir} and starting the indexer once more.`,
        );
        rmSync(explorerDir, { recursive: true, force: true });
        try {
          running = await service.start(context);
        } catch (again) {
          if (parameters.signal?.aborted) throw again;
          throw new CommandError(
            `The explorer indexer did not start, even on a rebuilt index: ${(again instanceof Error ? again.message : String(again)).split('\n')[0]}`,
            {
              details: [
                `Start without it (\`npm start -- --no-explorer\`), or stop the devnet, delete ${explorerDir} and start again; ${paths.log} holds its log.`,
              ],
              cause: again,
            },
          );
        }
      }
      stops.push({ what: service.name, stop: running.stop });
      services.push({
        name: service.name,
        url: running.url,
        notes: running.notes ?? [],
        inSummary: running.inSummary ?? true,
      });
      checkpoint();
    }

    const app = privateKeyToAddress(getDevnetPrivateKey(devnetAppAccountIndex));
    const network: DevnetNetwork = {
      version: 1,
      running: true,
      pid: process.pid,
      chainId: deployment.chainId,
      rpcUrl,
      relayUrl,
      deploymentFile: paths.deployment,
      gpu: { ...devnetGpu },
      models: {
        dir: models.dir,
        tiny: models.tiny,
        ids: [...models.ids.llm, ...models.ids.sd, ...models.ids.sd_ft],
        types: Object.fromEntries(
          (['llm', 'sd', 'sd_ft'] as const).flatMap((type) => models.ids[type].map((id) => [id, type])),
        ),
      },
      nodes: nodes.map(({ index, address, apiUrl }) => ({ index, address, apiUrl })),
      app: { accountIndex: devnetAppAccountIndex, address: app },
      services: Object.fromEntries(services.map((service) => [service.name, service.url])),
      registeredNodes: Math.max(reused ? (previous?.registeredNodes ?? 0) : 0, parameters.nodes),
    };
    writeDevnetNetwork(paths.network, network);
    // Recorded only once everything runs: a start that fails leaves the last run's head, so the next start still
    // says how far the chain went back (trial s12: failed starts overwrote it and the rewind was never shown).
    // At each head the chain feed sees (throttled, with a trailing write), and flushed when anvil dies.
    const record = recordChainHead({
      getBlockNumber: () => chainFeed.getBlockNumber(),
      subscribe: chainFeed.subscribe,
      file: paths.chainHead,
    });
    headRecord = record;
    stops.push({ what: 'the chain head record', stop: () => record.stop() });
    stops.push({
      what: 'the network file',
      stop: async () => writeDevnetNetwork(paths.network, { ...network, running: false }),
    });

    let stopping: Promise<void> | undefined;
    return {
      paths,
      rpcUrl,
      relayUrl,
      deployment,
      state,
      stateReason,
      chainRewind,
      models,
      nodes,
      relaySigner,
      services,
      network,
      logFile: paths.log,
      restartArguments,
      anvilExited,
      stop: () => {
        stopping ??= stopAll().finally(() => claim.release());
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    claim.release();
    removeCreated();
    // Ctrl-C reaches the whole terminal group: a step under way (the explorer's indexer, a child process) is
    // stopped by it too and fails. That failure is the stop that was asked for, not an error of the step.
    if (parameters.signal?.aborted && !(error instanceof DevnetStartAbortedError))
      throw new DevnetStartAbortedError(error);
    throw error;
  }
}

async function deployOrReuse(
  rpcUrl: string,
  deploymentFile: string,
  log: (line: string) => void,
): Promise<{ deployment: Deployment; reused: boolean }> {
  const publicClient = createPublicClient({ transport: http(rpcUrl) });
  if (existsSync(deploymentFile)) {
    let previous: Deployment | undefined;
    try {
      previous = readDeployment(deploymentFile);
    } catch (error) {
      log(`Ignoring ${deploymentFile}: ${(error as Error).message.split('\n')[0]} Deploying anew.`);
    }
    if (previous) {
      const code = await publicClient.getCode({ address: previous.contracts.taskManager });
      if (code && code !== '0x') {
        log('Reusing the contracts deployed in the kept chain state.');
        const current = { ...previous, rpcUrl };
        if (previous.rpcUrl !== rpcUrl) writeDeployment(deploymentFile, current);
        return { deployment: current, reused: true };
      }
    }
  }
  log('Deploying contracts…');
  const deployment = await deployContracts({
    rpcUrl,
    privateKey: devnetAccounts.deployer.privateKey as Hex,
    recordRpcUrl: true,
  });
  writeDeployment(deploymentFile, deployment);
  return { deployment, reused: false };
}

/** `verinet devnet`'s defaults: a flag at its default is not repeated in a suggested command. */
const defaultPorts: Record<string, number> = {
  '--port': 8545,
  '--relay-port': 8600,
  '--node-api-port': 8701,
  '--bridge-port': 8080,
  '--explorer-port': 8090,
};

/**
 * The arguments of this start that a suggested `npm start -- …` must repeat (its folder, node count, models,
 * block time, ports and no explorer), besides the flags the suggestion itself changes. `--fresh` is left out: a
 * retry must not delete the state again.
 */
function getRestartArguments(parameters: StartDevnetParameters): string[] {
  const keep: string[] = [];
  const shown = relative(process.cwd(), parameters.dir);
  const dirShown = shown === '' ? '.' : shown.startsWith('..') || isAbsolute(shown) ? parameters.dir : shown;
  // Quoted for a POSIX shell when it holds more than plain path characters (a space, a quote).
  const quote = (argument: string) =>
    /^[\w./:@=+-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
  if (dirShown !== join('.verinet', 'devnet')) keep.push('--dir', quote(dirShown));
  if (parameters.nodes !== 3) keep.push('--nodes', String(parameters.nodes));
  if (parameters.modelsDir) keep.push('--models', quote(parameters.modelsDir));
  if (parameters.blockTime) keep.push('--block-time', String(parameters.blockTime));
  if (parameters.relayPort === 0) keep.push('--relay-port', '0');
  if (parameters.nodeApiPort === 0) keep.push('--node-api-port', '0');
  const services = parameters.services ?? [];
  for (const service of services) keep.push(...(service.restartArguments ?? []));
  if (
    services.some((service) => service.name === 'bridge') &&
    !services.some((service) => service.name === 'explorer')
  )
    keep.push('--no-explorer');
  return keep;
}
