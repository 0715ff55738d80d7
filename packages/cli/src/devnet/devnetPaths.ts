import { join } from 'node:path';

/** Where a devnet keeps each part of its state under its folder (`--dir`, default `.verinet/devnet`). */
export type DevnetPaths = {
  dir: string;
  /** anvil's state, saved when anvil stops and reloaded at the next start. */
  chainState: string;
  /** The newest block the last run saw (chainHeadRecord): tells how far a chain reloaded after a crash went back. */
  chainHead: string;
  deployment: string;
  /** The running network as services and `verinet task` read it (URLs, accounts, GPU). */
  network: string;
  /** Password of the devnet's keystores (their keys are devnet-only; kept beside them on purpose). */
  keystorePassword: string;
  relayKeystore: string;
  relayData: string;
  nodesDir: string;
  nodeDir: (index: number) => string;
  /** Tiny random-weight models written for the nodes when no `--models` folder is given. */
  tinyModels: string;
  /** The services' log (relay, nodes, bridge, explorer): JSON lines, whole; the terminal shows warnings only. */
  log: string;
  /** State of the application side (`verinet task`) against this devnet. */
  appDir: string;
};

/**
 * @example
 * const paths = getDevnetPaths('/repo/.verinet/devnet');
 */
export function getDevnetPaths(dir: string): DevnetPaths {
  return {
    dir,
    chainState: join(dir, 'chain.json'),
    chainHead: join(dir, 'chain-head.json'),
    deployment: join(dir, 'deployment.json'),
    network: join(dir, 'network.json'),
    keystorePassword: join(dir, 'keystore-password'),
    relayKeystore: join(dir, 'relay', 'keystore.json'),
    relayData: join(dir, 'relay', 'data'),
    nodesDir: join(dir, 'nodes'),
    nodeDir: (index) => join(dir, 'nodes', `node-${index}`),
    tinyModels: join(dir, 'models'),
    appDir: join(dir, 'app'),
    log: join(dir, 'devnet.log'),
  };
}
