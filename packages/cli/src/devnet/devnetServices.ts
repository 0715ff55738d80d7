import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Deployment } from '@verinet/protocol/chain';
import type { Logger } from 'pino';
import { getDevnetPrivateKey } from '../deploy/devnetAccounts.js';
import type { DevnetPaths } from './devnetPaths.js';

/** What a service joining the devnet is given: the network it runs against. */
export type DevnetServiceContext = {
  paths: DevnetPaths;
  rpcUrl: string;
  relayUrl: string;
  deployment: Deployment;
  /** Nodes of this run. */
  nodes: { index: number; address: string; apiUrl: string }[];
  /** Model ids the nodes hold, by task type, and their model store. */
  models: { llm: string[]; sd: string[]; dir: string };
  /** URLs of the services started before this one, by name. */
  services: Record<string, string>;
  log: (line: string) => void;
  /**
   * Records a child process the service runs (the explorer's indexer) in devnet.pid as soon as it is spawned,
   * so that the next start stops it when this devnet was killed (kill -9) and left it running.
   */
  recordChildPid: (pid: number) => void;
  /** The service's logger (to the devnet's log file; warnings and errors also to the terminal, one line each). */
  logger: Logger;
};

export type StartedDevnetService = {
  /** Shown in the summary and written to network.json `services`. */
  url: string;
  /** Extra summary lines (how to use it). */
  notes?: string[] | undefined;
  /**
   * false: no summary line of its own, another service's notes show it (the explorer's page is served by the
   * bridge: one "explorer" line, not two). Default true.
   */
  inSummary?: boolean | undefined;
  /** Graceful stop; called in reverse start order, before the nodes, relay and chain stop. */
  stop: () => Promise<void>;
};

/**
 * A service started after the chain, relay and nodes are up (the OpenAI-compatible bridge, the web UI).
 */
export type DevnetService = {
  name: string;
  /** Fixed ports the service will bind on 127.0.0.1, with the flag that moves each: checked before anything starts. */
  ports?: { port: number; flag: string }[] | undefined;
  /** Arguments a suggested restart command must repeat for this service (a port chosen as 0: any free port). */
  restartArguments?: string[] | undefined;
  start: (context: DevnetServiceContext) => Promise<StartedDevnetService>;
};

/**
 * The bridge pays from its own test account: `verinet task` uses account 1 at the same time, and two writers on
 * one nonce would collide.
 */
export const devnetBridgeAccountIndex = 2;

export type CreateDevnetServicesOptions = {
  /** The bridge's port on 127.0.0.1 (0: any free port). */
  bridgePort: number;
  /** Start the explorer's indexer (Ponder; 20–70 s to start on 2 busy cores). */
  explorer: boolean;
  /** The explorer API's port on 127.0.0.1 (0: any free port); default 8090. */
  explorerPort?: number | undefined;
};

/**
 * The services `verinet devnet` starts beyond chain, relay and nodes, in order: the explorer's indexer, then the
 * OpenAI-compatible bridge serving the web UI (proxying `/explorer/*` to the indexer). Each is started in
 * order, listed in the summary and in network.json, and stopped on Ctrl-C or on any failure.
 */
export function createDevnetServices(options: CreateDevnetServicesOptions): DevnetService[] {
  const bridge: DevnetService = {
    name: 'bridge',
    ports: options.bridgePort === 0 ? [] : [{ port: options.bridgePort, flag: '--bridge-port' }],
    restartArguments: options.bridgePort === 0 ? ['--bridge-port', '0'] : [],
    async start(context) {
      const [{ startBridge }, { buildWebUi }] = await Promise.all([
        import('@verinet/bridge'),
        import('@verinet/web'),
      ]);
      const web = await buildWebUi();
      const models = [
        ...context.models.llm.map((id) => ({ id, type: 'llm' as const })),
        ...context.models.sd.map((id) => ({ id, type: 'sd' as const })),
      ];
      const started = await startBridge({
        port: options.bridgePort,
        rpcUrl: context.rpcUrl,
        relayUrl: context.relayUrl,
        deploymentFile: context.paths.deployment,
        privateKey: getDevnetPrivateKey(devnetBridgeAccountIndex),
        sqlitePath: join(context.paths.dir, 'bridge', 'bridge.db'),
        webDir: web.root,
        explorerUrl: context.services.explorer,
        logger: context.logger,
        env: {},
        // The devnet's one bridge: restarted, it takes its running jobs' leases back at once.
        // The nodes' model store: chat prompts longer than the model's context are refused before paying.
        overrides: { pollIntervalMs: 200, models, instanceId: 'devnet', modelsDir: context.models.dir },
      });
      const key = await keepDevnetApiKey(context.paths.dir, started);
      return {
        url: started.url,
        notes: [
          `web UI        ${started.url}/#key=${key}`,
          `OpenAI API    base URL ${started.url}/v1, API key ${key} (models: ${models.map((m) => m.id).join(', ')})`,
          ...(context.services.explorer
            ? [
                `explorer      ${started.url}/#/explorer  (network explorer; its indexer's API: ${context.services.explorer}/stats)`,
              ]
            : []),
        ],
        stop: () => started.close(),
      };
    },
  };
  if (!options.explorer) return [bridge];
  return [createExplorerDevnetService(options.explorerPort ?? 8090), bridge];
}

function createExplorerDevnetService(port: number): DevnetService {
  return {
    name: 'explorer',
    ports: port === 0 ? [] : [{ port, flag: '--explorer-port' }],
    restartArguments: port === 0 ? ['--explorer-port', '0'] : [],
    async start(context) {
      const { createExplorerDevnetService: create } = await import('@verinet/web');
      const started = await create({ port }).start(context);
      // The bridge's "explorer" line names its page and this API: the indexer's own lines would repeat it.
      return { ...started, notes: [], inSummary: false };
    },
  };
}

/**
 * The devnet's bridge API key, the same across restarts of the same devnet (a browser tab or script keeps
 * working): kept beside the bridge's database, which --fresh deletes with it. A key the bridge no longer
 * knows (its database was reset) is replaced.
 */
async function keepDevnetApiKey(
  dir: string,
  bridge: { url: string; createApiKey: (name: string) => Promise<{ key: string }> },
): Promise<string> {
  const file = join(dir, 'bridge', 'devnet-api-key');
  const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (kept) {
    const answer = await fetch(`${bridge.url}/v1/models`, { headers: { authorization: `Bearer ${kept}` } });
    if (answer.ok) return kept;
  }
  const { key } = await bridge.createApiKey('devnet');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
