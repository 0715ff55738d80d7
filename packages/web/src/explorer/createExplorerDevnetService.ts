import { join } from 'node:path';
import type { Logger } from 'pino';
import { getFreePort } from '../utils/getFreePort.js';
import { startExplorerIndexer } from './startExplorerIndexer.js';

/** The part of the devnet's service context the explorer needs (packages/cli/src/devnet/devnetServices.ts). */
export type ExplorerDevnetContext = {
  paths: { dir: string; deployment: string };
  rpcUrl: string;
  log: (line: string) => void;
  /** The devnet's logger for this service (its file; errors also to the terminal). */
  logger?: Logger | undefined;
  /** Called with the indexer's pid once spawned (the devnet stops a left-over indexer at its next start). */
  recordChildPid?: ((pid: number) => void) | undefined;
};

export type ExplorerDevnetService = {
  name: 'explorer';
  start(context: ExplorerDevnetContext): Promise<{ url: string; notes: string[]; stop(): Promise<void> }>;
};

/**
 * The explorer indexer as a devnet service (an entry of `devnetServices`): its database lives under the devnet
 * folder (so `--fresh` resets it), its API on a free 127.0.0.1 port, `url` being the API base for the bridge's
 * `explorerUrl` proxy.
 *
 * @example
 * export const devnetServices = [createExplorerDevnetService(), bridgeService];
 */
export function createExplorerDevnetService(options: { port?: number } = {}): ExplorerDevnetService {
  return {
    name: 'explorer',
    async start(context) {
      // Ponder prints nothing useful while it starts: say why the terminal goes quiet, and how to skip it.
      context.log('Starting the explorer indexer (Ponder; 20–70 s, --no-explorer skips it)…');
      const indexer = await startExplorerIndexer({
        deploymentPath: context.paths.deployment,
        rpcUrl: context.rpcUrl,
        dataDir: join(context.paths.dir, 'explorer'),
        port: options.port || (await getFreePort()),
        onSpawn: context.recordChildPid,
        onLog: (line) => {
          // Ponder's JSON lines go to the devnet's log file. Its warnings ("No new block received within
          // expected time" while a devnet chain idles, advice about public RPC URLs) are routine here: only its
          // errors reach the terminal.
          let entry: { level?: number; msg?: string };
          try {
            entry = JSON.parse(line) as { level?: number; msg?: string };
          } catch {
            entry = { level: 30, msg: line };
          }
          const { level = 30, msg = line, ...fields } = entry;
          if (!context.logger) {
            if (level >= 50) context.log(`explorer: ${msg}`);
            return;
          }
          if (level >= 50) context.logger.error({ ponder: fields }, msg);
          else context.logger.info({ ponder: fields }, msg);
        },
      });
      return {
        url: `${indexer.url}/explorer`,
        notes: [
          `explorer API  ${indexer.url}/explorer/stats (Ponder indexer, GraphQL at ${indexer.url}/graphql)`,
        ],
        stop: () => indexer.stop(),
      };
    },
  };
}
