import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Hex } from 'viem';
import { CommandError, UsageError } from '../cli/errors.js';
import { printNote } from '../cli/output.js';
import { readDevnetNetworkOrUndefined } from '../devnet/devnetNetwork.js';
import { getDevnetPaths } from '../devnet/devnetPaths.js';
import { findDevnetDir } from '../devnet/findDevnetDir.js';
import { type ReadRunningDevnetParameters, readRunningDevnet } from './readRunningDevnet.js';

export type TaskNetworkOptions = {
  devnet: string;
  rpcUrl?: string | undefined;
  relayUrl?: string | undefined;
  deployment?: string | undefined;
  keystore?: string | undefined;
  store?: string | undefined;
  gpu?: string | undefined;
  modelsDir?: string | undefined;
};

export type TaskNetwork = {
  /** 'devnet' (read from the devnet folder) or 'configured' (the options name the network). */
  kind: 'devnet' | 'configured';
  chainId: number;
  rpcUrl: string;
  relayUrl: string;
  deploymentFile: string;
  /** Needed to pay: absent for `status` and `list`, which read the local store only. */
  loadKey: () => Promise<Hex>;
  /** SQLite file of the app's tasks (and their secrets). */
  storePath: string;
  /** GPU LLM tasks require (the devnet's); undefined: the SDK discovers one. */
  gpu: string | undefined;
  /** Model ids the network's nodes hold, by what the devnet says (for defaults). */
  models: string[];
  /** Each known model's task type (a devnet written before types were recorded: empty). */
  modelTypes: Record<string, 'llm' | 'sd' | 'sd_ft'>;
  /** A local model store holding the network's models (the devnet's, or --models-dir): lets the CLI count
   * an LLM prompt's tokens before paying. */
  modelsDir: string | undefined;
  /** A devnet's folder, its network file and process (read at the start): `task run` stops following a task
   * when that devnet stops. */
  devnetDir?: string | undefined;
  devnetNetworkFile?: string | undefined;
  devnetPid?: number | undefined;
};

/**
 * Where `verinet task` sends tasks: the devnet of `--devnet DIR` (default `.verinet/devnet`, looked for up to the
 * repository root (findDevnetDir): its RPC, relay,
 * deployment and default app account, test account 1), or a configured network when `--rpc-url` is given
 * (`--relay-url`, `--deployment` and `--keystore` then required). A devnet that is starting is waited for
 * (`readRunningDevnet`) when the command needs it running.
 *
 * @example
 * const network = await resolveTaskNetwork({ devnet: '.verinet/devnet' }, true);
 */
export async function resolveTaskNetwork(
  options: TaskNetworkOptions,
  needsRunning: boolean,
  wait: Pick<ReadRunningDevnetParameters, 'startWaitMs' | 'note'> = { note: printNote },
): Promise<TaskNetwork> {
  if (options.rpcUrl === undefined && options.relayUrl === undefined && options.deployment === undefined) {
    const paths = getDevnetPaths(findDevnetDir(options.devnet));
    // A mistyped --devnet would otherwise read as "no tasks yet"; a --store of its own needs no devnet folder.
    if (options.store === undefined && !existsSync(paths.dir))
      throw new CommandError(
        `No devnet folder at ${paths.dir}${options.devnet === '.verinet/devnet' ? ' (nor in a folder above, up to the repository root)' : ''}.`,
        { details: ['Start the local network with `npm start`, or give the --devnet folder it uses.'] },
      );
    // A folder that exists but never held a devnet (a mistyped path that happens to exist) is no better. (One
    // a devnet is starting in may hold its pid file only: the first start, or one with --fresh.)
    if (
      options.store === undefined &&
      ![paths.network, paths.deployment, paths.appDir, join(paths.dir, 'devnet.pid')].some((path) =>
        existsSync(path),
      )
    )
      throw new CommandError(
        `${paths.dir} is not a devnet folder (no network.json, deployment.json or app/ in it).`,
        { details: ['Start the local network with `npm start`, or give the --devnet folder it uses.'] },
      );
    const network = needsRunning
      ? await readRunningDevnet({ paths, ...wait })
      : readDevnetNetworkOrUndefined(paths.network);
    const keyIndex = network?.app.accountIndex ?? 1;
    return {
      kind: 'devnet',
      chainId: network?.chainId ?? 31337,
      rpcUrl: network?.rpcUrl ?? 'http://127.0.0.1:8545',
      relayUrl: network?.relayUrl ?? 'http://127.0.0.1:8600',
      deploymentFile: paths.deployment,
      // Loaded when needed: viem's accounts are seconds of start-up that `task list` does not need.
      loadKey: async () => (await import('../deploy/devnetAccounts.js')).getDevnetPrivateKey(keyIndex),
      storePath: options.store ? resolve(options.store) : join(paths.appDir, 'tasks.db'),
      gpu: options.gpu ?? network?.gpu.name,
      models: network?.models.ids ?? [],
      modelTypes: network?.models.types ?? {},
      modelsDir: options.modelsDir ? resolve(options.modelsDir) : network?.models.dir,
      devnetDir: paths.dir,
      devnetNetworkFile: paths.network,
      devnetPid: network?.pid,
    };
  }
  for (const [flag, value] of [
    ['--rpc-url', options.rpcUrl],
    ['--relay-url', options.relayUrl],
    ['--deployment', options.deployment],
    ['--keystore', options.keystore],
  ] as const) {
    if (value === undefined)
      throw new UsageError(`${flag} is required with a configured network.`, {
        details: [
          'Give --rpc-url, --relay-url, --deployment and --keystore together, or none to use the devnet.',
        ],
      });
  }
  const deploymentFile = resolve(options.deployment!);
  if (!existsSync(deploymentFile))
    throw new CommandError(`--deployment ${options.deployment}: no such file.`);
  const { readDeployment } = await import('@verinet/protocol/chain');
  const deployment = readDeployment(deploymentFile);
  for (const [flag, value] of [
    ['--rpc-url', options.rpcUrl],
    ['--relay-url', options.relayUrl],
  ] as const) {
    if (!/^https?:\/\/[^\s]+$/.test(value!))
      throw new UsageError(`${flag} must be an http(s) URL, got "${value}".`);
  }
  const keystoreFile = resolve(options.keystore!);
  return {
    kind: 'configured',
    chainId: deployment.chainId,
    rpcUrl: options.rpcUrl!,
    relayUrl: options.relayUrl!,
    deploymentFile,
    loadKey: async () => {
      const { decryptKeystore, KeystoreError } = await import('../keystore/keystore.js');
      const { readKeystoreFile } = await import('../keystore/readKeystoreFile.js');
      let keystore: ReturnType<typeof readKeystoreFile>;
      try {
        // Says why a file is no keystore (missing, a folder, not JSON, not v3) and names it (trial s15: two raw
        // schema messages without the file or what to do).
        keystore = readKeystoreFile(keystoreFile);
      } catch (error) {
        if (!(error instanceof KeystoreError)) throw error;
        // readKeystoreFile names the file and the fields at fault; the flag says where it came from.
        throw new CommandError(`--keystore: ${error.shortMessage}`, {
          details: [...error.details, 'Or create one with `verinet keystore create`.'],
        });
      }
      const { readPassword } = await import('../keystore/readPassword.js');
      return decryptKeystore(keystore, await readPassword());
    },
    storePath: options.store
      ? resolve(options.store)
      : resolve('.verinet', 'app', `tasks-${deployment.chainId}.db`),
    gpu: options.gpu,
    models: [],
    modelTypes: {},
    modelsDir: options.modelsDir ? resolve(options.modelsDir) : undefined,
  };
}
