import { join } from 'node:path';
import { getFreePort } from '../utils/getFreePort.js';
import { startExplorerIndexer } from './startExplorerIndexer.js';

/** The part of the devnet's service context the explorer needs (packages/cli/src/devnet/devnetServices.ts). */
export type ExplorerDevnetContext = {
  paths: { dir: string; deployment: string };
  rpcUrl: string;
  log: (line: string) => void;
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
      const indexer = await startExplorerIndexer({
        deploymentPath: context.paths.deployment,
        rpcUrl: context.rpcUrl,
        dataDir: join(context.paths.dir, 'explorer'),
        port: options.port || (await getFreePort()),
        onSpawn: context.recordChildPid,
        onLog: (line) => {
          // Ponder logs JSON lines; only warnings and errors reach the devnet's output.
          try {
            const entry = JSON.parse(line) as { level?: number; msg?: string };
            if ((entry.level ?? 0) >= 40) context.log(`explorer: ${entry.msg ?? line}`);
          } catch {
            context.log(`explorer: ${line}`);
          }
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
