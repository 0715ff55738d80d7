import { join } from 'node:path';
import type { DevnetNetwork } from './devnetNetwork.js';

export type CreateTestDevnetNetworkParameters = {
  /** The devnet folder the file names its deployment and models in. */
  dir: string;
  /** The devnet process the file names. */
  pid: number;
  running: boolean;
};

/**
 * A devnet network file with no chain, relay or node behind it (closed ports, no models): for tests of what
 * the tooling does with the file itself. Tests only.
 *
 * @example
 * writeDevnetNetwork(join(dir, 'network.json'), createTestDevnetNetwork({ dir, pid: process.pid, running: false }));
 */
export function createTestDevnetNetwork({
  dir,
  pid,
  running,
}: CreateTestDevnetNetworkParameters): DevnetNetwork {
  return {
    version: 1,
    running,
    pid,
    chainId: 31337,
    rpcUrl: 'http://127.0.0.1:1',
    relayUrl: 'http://127.0.0.1:2',
    deploymentFile: join(dir, 'deployment.json'),
    gpu: { name: 'cpu', vramGib: 1 },
    models: { dir: join(dir, 'models'), tiny: true, ids: [], types: {} },
    nodes: [],
    app: { accountIndex: 1, address: `0x${'11'.repeat(20)}` },
    services: {},
    registeredNodes: 0,
  };
}
