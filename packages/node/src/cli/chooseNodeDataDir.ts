import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type ChooseNodeDataDirParameters = {
  /** The data dir the config resolved to (flag, environment, file or the default). */
  configured: string;
  keystore: string | undefined;
  /** Whether --data-dir, VERINET_NODE_DATA_DIR or the config file named it (then it is used as is). */
  explicit: boolean;
};

/**
 * The node's data dir when none was named: the keystore's folder when a node database lives there (a devnet
 * node's: `.verinet/devnet/nodes/node-N`), else the configured default. A separate default store would track
 * the node's transactions apart from its daemon's and outlive the chain they were sent to: after `npm start --
 * --fresh` its highest nonce is above the new chain's, and every transaction it signs waits for a gap forever.
 *
 * @example
 * chooseNodeDataDir({ configured: '.verinet/node', keystore: '.verinet/devnet/nodes/node-0/keystore.json', explicit: false });
 */
export function chooseNodeDataDir(parameters: ChooseNodeDataDirParameters): string {
  const { configured, keystore, explicit } = parameters;
  if (explicit || !keystore) return configured;
  const beside = dirname(keystore);
  return existsSync(join(beside, 'node.db')) ? beside : configured;
}

/** Whether a node config file sets `dataDir` (it was validated already; unreadable here means no). */
export function configFileSetsDataDir(path: string | undefined): boolean {
  if (!path) return false;
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return raw !== null && typeof raw === 'object' && raw.dataDir !== undefined;
  } catch {
    return false;
  }
}
