import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPublicClient, http } from 'viem';
import { ExplorerIndexerError } from './errors.js';

export type StartExplorerIndexerParameters = {
  /** deployment.json of the contracts to index (chain id, addresses, start block, RPC URL). */
  deploymentPath: string;
  /** Overrides the deployment's rpcUrl. */
  rpcUrl?: string;
  /** Folder of the embedded PGlite database; ignored when `databaseUrl` is set. */
  dataDir: string;
  /** PostgreSQL connection string, for an explorer that outgrows the embedded database. */
  databaseUrl?: string;
  /** Port of the explorer API on 127.0.0.1 (0 is not allowed: Ponder needs a fixed port). */
  port: number;
  /** How long to wait for the indexer's backfill to finish, in ms (default 180 s). */
  readyTimeoutMs?: number;
  /** Chain polling interval in ms (default 1000). */
  pollingIntervalMs?: number;
  /** Called with the indexer's pid as soon as it is spawned. */
  onSpawn?: ((pid: number) => void) | undefined;
  /** Receives each line the indexer logs. */
  onLog?: (line: string) => void;
};

export type ExplorerIndexer = {
  /** Base URL of the explorer API (`${url}/explorer/stats`, …). */
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
};

const indexerRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../indexer');

/**
 * Starts the explorer's indexer (Ponder, embedded PGlite by default) as a child process and resolves once it
 * answers on `/ready` and has indexed the chain up to the head it had then. `/ready` alone is not enough: on a
 * restart over a kept database Ponder is ready at once, and its first realtime poll then brings it up to the
 * chain head tens of seconds later (an explorer shown meanwhile is stale).
 *
 * @example
 * const explorer = await startExplorerIndexer({ deploymentPath: '.verinet/devnet/deployment.json', dataDir: '.verinet/explorer', port: 8790 });
 * await fetch(`${explorer.url}/explorer/stats`);
 */
export async function startExplorerIndexer(
  parameters: StartExplorerIndexerParameters,
): Promise<ExplorerIndexer> {
  const { deploymentPath, dataDir, port } = parameters;
  if (!existsSync(deploymentPath)) {
    throw new ExplorerIndexerError(`no deployment file at ${deploymentPath}: start the devnet first`, '');
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ExplorerIndexerError(`port must be an integer from 1 to 65535, got ${port}`, '');
  }
  mkdirSync(dataDir, { recursive: true });
  // ponder's exports map hides package.json; its entry point sits beside the bin folder.
  const ponderBin = join(dirname(fileURLToPath(import.meta.resolve('ponder'))), 'bin/ponder.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Ponder reports anonymous telemetry to its authors' host unless told not to; nothing may leave here.
    PONDER_TELEMETRY_DISABLED: 'true',
    VERINET_DEPLOYMENT: resolve(deploymentPath),
    VERINET_EXPLORER_DIR: resolve(dataDir),
    VERINET_EXPLORER_POLLING_MS: String(parameters.pollingIntervalMs ?? 1000),
  };
  if (parameters.rpcUrl) env.VERINET_RPC_URL = parameters.rpcUrl;
  // Where the API reads Ponder's own /status (the indexed head): its own loopback port, never a request's Host.
  env.VERINET_EXPLORER_PORT = String(port);
  if (parameters.databaseUrl) env.DATABASE_URL = parameters.databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    [
      ponderBin,
      '--root',
      indexerRoot,
      '--log-format',
      'json',
      'start',
      '--schema',
      'verinet',
      '--port',
      String(port),
      '--hostname',
      '127.0.0.1',
    ],
    { cwd: indexerRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (child.pid !== undefined) parameters.onSpawn?.(child.pid);
  const tail: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (tail.length > 12) tail.shift();
      parameters.onLog?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  const exit = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      done();
    }),
  );
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (parameters.readyTimeoutMs ?? 180_000);
  while (true) {
    if (exited) {
      throw new ExplorerIndexerError(
        `the explorer indexer exited with code ${child.exitCode}`,
        tail.join('\n'),
      );
    }
    try {
      const response = await fetch(`${url}/ready`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new ExplorerIndexerError('the explorer indexer was not ready in time', tail.join('\n'));
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  const rpcUrl =
    parameters.rpcUrl ?? (JSON.parse(readFileSync(deploymentPath, 'utf8')) as { rpcUrl?: string }).rpcUrl;
  if (rpcUrl) {
    const head = await createPublicClient({ transport: http(rpcUrl) }).getBlockNumber();
    while (true) {
      const status = await fetch(`${url}/status`)
        .then((response) => response.json() as Promise<Record<string, { block?: { number?: number } }>>)
        .catch(() => undefined);
      const indexed = Object.values(status ?? {})[0]?.block?.number;
      if (indexed !== undefined && BigInt(indexed) >= head) break;
      if (exited || Date.now() > deadline) {
        await stop();
        throw new ExplorerIndexerError(
          `the explorer indexer did not reach the chain head (block ${head}; indexed ${indexed ?? 'none'}) in time`,
          tail.join('\n'),
        );
      }
      await new Promise((done) => setTimeout(done, 250));
    }
  }
  return { url, process: child, stop };
}
