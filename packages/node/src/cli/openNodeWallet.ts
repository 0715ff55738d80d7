import { readFileSync } from 'node:fs';
import { decryptKeystore } from '@verinet/cli/src/keystore/keystore.js';
import { privateKeyToNativeAccount } from '@verinet/protocol/nativeSecp256k1';
import type { Hex, LocalAccount } from 'viem';
import { NodeConfigError } from '../errors/index.js';
import { readNodePassword } from './readNodePassword.js';

export type NodeWallet = { account: LocalAccount; privateKey: Hex };

/**
 * Decrypts the node's v3 keystore; the key stays in memory only. The account signs with libsecp256k1 (the node
 * signs every relay request and transaction: privateKeyToNativeAccount), the same signatures as viem's.
 */
export async function openNodeWallet(
  keystore: string | undefined,
  passwordFile: string | undefined,
): Promise<NodeWallet> {
  if (!keystore) {
    throw new NodeConfigError('No keystore configured for the node.', {
      details: [
        'Create one with `verinet keystore create --out node-key.json`,',
        'then pass --keystore node-key.json (or set "keystore" in the config, or VERINET_NODE_KEYSTORE).',
      ],
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(keystore, 'utf8'));
  } catch (cause) {
    throw new NodeConfigError(`Cannot read the keystore ${keystore}.`, {
      details: [(cause as Error).message],
      cause,
    });
  }
  const privateKey = decryptKeystore(json, await readNodePassword(passwordFile));
  return { account: privateKeyToNativeAccount(privateKey), privateKey };
}
