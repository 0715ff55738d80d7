import { WorkerSupervisor } from '@verinet/worker';
import { loadNodeConfig } from '../config/loadNodeConfig.js';
import type { NodeConfig } from '../config/nodeConfig.js';
import { chooseNodeDataDir, configFileSetsDataDir } from './chooseNodeDataDir.js';
import { builtInBackendVersions, chooseNodeVersion } from './chooseNodeVersion.js';
import { createNodeRuntime, type NodeRuntime } from './createNodeRuntime.js';
import { getNodeStatus, joinNode, pauseNode, quitNode, resumeNode, withdrawAll } from './membership.js';
import { runNode } from './runNode.js';

/** Options shared by every `verinet node` action, as parsed by the CLI. */
export type NodeCommandOptions = {
  config?: string | undefined;
  rpcUrl?: string | undefined;
  deployment?: string | undefined;
  keystore?: string | undefined;
  passwordFile?: string | undefined;
  dataDir?: string | undefined;
  modelsDir?: string | undefined;
  /** join: stake in ether. */
  stake?: string | undefined;
  /** join: comma-separated hub ids (default: what the worker holds). */
  models?: string | undefined;
  json?: boolean | undefined;
};

export const nodeActions = ['run', 'join', 'pause', 'resume', 'quit', 'withdraw', 'status'] as const;
export type NodeAction = (typeof nodeActions)[number];

export const nodeCommandHelp = `verinet node <action> [options]

Actions:
  run       run the node daemon (watch the chain, execute tasks, status API on 127.0.0.1)
  join      stake and register (GPU from nvidia-smi or the config; worker version and models from the worker)
  pause     stop taking new tasks (after the current one)
  resume    take tasks again
  quit      leave the network (after the current task); the stake is returned
  withdraw  withdraw returned stake and earnings owed to this address
  status    status, stake, earnings, QoS and current task from the chain; says when slashed or kicked out

Options:
  --config FILE          JSON config (every key also as VERINET_NODE_<KEY>, e.g. VERINET_NODE_RPC_URL)
  --rpc-url URL          chain RPC (default http://127.0.0.1:8545)
  --deployment FILE      deployment file (default .verinet/devnet/deployment.json)
  --keystore FILE        the node's v3 keystore
  --password-file FILE   keystore password file (else VERINET_KEYSTORE_PASSWORD, else a prompt)
  --data-dir DIR         node database and task files (default: the keystore's folder when it holds
                         a node.db, as a devnet node's does; else .verinet/node)
  --models-dir DIR       model store (default .verinet/models)
  --stake ETHER          join: stake (default the registry's minimum)
  --models IDS           join: comma-separated model ids (default: those the worker holds)
  --json                 status: print JSON`;

function configFrom(options: NodeCommandOptions): NodeConfig {
  const config = loadNodeConfig({
    path: options.config,
    overrides: {
      rpcUrl: options.rpcUrl,
      deployment: options.deployment,
      keystore: options.keystore,
      passwordFile: options.passwordFile,
      dataDir: options.dataDir,
      modelsDir: options.modelsDir,
    },
  });
  const dataDir = chooseNodeDataDir({
    configured: config.dataDir,
    keystore: config.keystore,
    explicit:
      options.dataDir !== undefined ||
      Boolean(process.env.VERINET_NODE_DATA_DIR) ||
      configFileSetsDataDir(options.config),
  });
  return { ...config, dataDir };
}

/** Asks the worker which models it holds and which argument version it implements. */
async function describeWorker(config: NodeConfig): Promise<{ models: string[]; version: string }> {
  const worker = new WorkerSupervisor({
    modelsDir: config.modelsDir,
    handshakeTimeoutMs: config.worker.handshakeTimeoutMs,
  });
  try {
    const handshake = await worker.start();
    const models = [...new Set(handshake.backends.flatMap((b) => b.models))];
    return {
      models,
      version: chooseNodeVersion({ backends: handshake.backends, configured: config.version }),
    };
  } finally {
    await worker.stop();
  }
}

/**
 * Runs one `verinet node` action with parsed options; prints plain lines and resolves to the exit code.
 * Errors are typed (BaseError) and printed as one line by the CLI.
 */
export async function runNodeAction(
  action: NodeAction,
  options: NodeCommandOptions,
  print: (line: string) => void = console.log,
): Promise<number> {
  const config = configFrom(options);
  if (action === 'run') {
    await runNode({ config, print });
    return 0;
  }
  const runtime: NodeRuntime = await createNodeRuntime(config);
  try {
    switch (action) {
      case 'join': {
        const worker = options.models ? undefined : await describeWorker(config);
        const models = options.models
          ? options.models
              .split(',')
              .map((m) => m.trim())
              .filter(Boolean)
          : worker!.models;
        print(
          await joinNode(runtime, {
            stake: options.stake,
            models,
            // Without the worker's handshake: the versions this build's worker implements.
            version:
              worker?.version ??
              chooseNodeVersion({ backends: builtInBackendVersions(), configured: config.version }),
          }),
        );
        return 0;
      }
      case 'pause':
        print(await pauseNode(runtime));
        return 0;
      case 'resume':
        print(await resumeNode(runtime));
        return 0;
      case 'quit':
        print(await quitNode(runtime));
        return 0;
      case 'withdraw':
        print(await withdrawAll(runtime));
        return 0;
      case 'status': {
        const status = await getNodeStatus(runtime);
        print(
          options.json
            ? JSON.stringify(status, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)
            : status.text,
        );
        return 0;
      }
    }
  } finally {
    runtime.close();
  }
}
