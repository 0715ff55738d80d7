// The explorer's indexer: Ponder reads the Verinet contracts' events from the chain named by a deployment
// file (`.verinet/devnet/deployment.json` or any `verinet deploy` output) into its embedded PGlite database,
// or into PostgreSQL when DATABASE_URL is set. startExplorerIndexer (../src) sets the variables below.
import { readFileSync } from 'node:fs';
import { nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import { createConfig } from 'ponder';

type DeploymentFile = {
  chainId: number;
  startBlock?: number;
  rpcUrl?: string;
  contracts: { nodeRegistry: `0x${string}`; taskManager: `0x${string}` };
};

const deploymentPath = process.env.VERINET_DEPLOYMENT;
if (!deploymentPath) throw new Error('VERINET_DEPLOYMENT must name the deployment.json to index');
const deployment = JSON.parse(readFileSync(deploymentPath, 'utf8')) as DeploymentFile;
const rpcUrl = process.env.VERINET_RPC_URL ?? deployment.rpcUrl;
if (!rpcUrl) throw new Error(`no RPC URL: set VERINET_RPC_URL or rpcUrl in ${deploymentPath}`);
const startBlock = deployment.startBlock ?? 0;

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: 'postgres', connectionString: process.env.DATABASE_URL }
    : { kind: 'pglite', directory: process.env.VERINET_EXPLORER_DIR ?? '.ponder/pglite' },
  chains: {
    verinet: {
      id: deployment.chainId,
      rpc: rpcUrl,
      // A local chain restarts from genesis with the same chain id: never trust a cache across runs.
      disableCache: deployment.chainId === 31337,
      pollingInterval: Number(process.env.VERINET_EXPLORER_POLLING_MS ?? 1000),
    },
  },
  contracts: {
    NodeRegistry: {
      chain: 'verinet',
      abi: nodeRegistryAbi,
      address: deployment.contracts.nodeRegistry,
      startBlock,
    },
    TaskManager: {
      chain: 'verinet',
      abi: taskManagerAbi,
      address: deployment.contracts.taskManager,
      startBlock,
    },
  },
});
