import { readFileSync } from 'node:fs';
import { statOrUndefined } from '../cli/statOrUndefined.js';
import type { Keystore } from './keystore.js';
import { KeystoreError, normalizeKeystore } from './keystore.js';

/**
 * Reads a keystore file and says exactly why it cannot be used: missing, a folder, unreadable, not JSON, or
 * not a v3 keystore. Accepts the shapes other tools write (`Crypto` with a capital C, 0x-prefixed hex, a
 * byte-order mark).
 *
 * @example
 * const keystore = readKeystoreFile('deployer.json');
 */
export function readKeystoreFile(path: string): Keystore {
  const info = statOrUndefined(path);
  if (!info) {
    throw new KeystoreError(`No keystore at ${path}.`, {
      details: ['Check the path, or create one with `verinet keystore create`.'],
    });
  }
  if (info.isDirectory()) {
    throw new KeystoreError(`${path} is a folder, not a keystore file.`, {
      details: ['Pass the keystore file itself (geth keeps them as keystore/UTC--…).'],
    });
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new KeystoreError(`Cannot read the keystore ${path} (${(cause as NodeJS.ErrnoException).code}).`, {
      details: ['Check the file permissions.'],
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw new KeystoreError(`${path} is not JSON, so it is not a keystore.`, {
      details: ['A keystore is a Web3 Secret Storage v3 JSON file (as geth, cast and ethers write).'],
      cause,
    });
  }
  try {
    return normalizeKeystore(json);
  } catch (error) {
    if (error instanceof KeystoreError) {
      throw new KeystoreError(`${path} is not a v3 keystore: ${error.details.join('; ')}.`, {
        details: ['Export the key as a Web3 Secret Storage v3 file (geth, cast and ethers write it).'],
      });
    }
    throw error;
  }
}
