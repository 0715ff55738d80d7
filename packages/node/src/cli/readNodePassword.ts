import { readFileSync } from 'node:fs';
import { readPassword } from '@verinet/cli/src/keystore/readPassword.js';
import { NodeConfigError } from '../errors/index.js';

/**
 * The keystore password: from `passwordFile` (first line), else VERINET_KEYSTORE_PASSWORD, else a hidden
 * prompt on the terminal (the same rules and errors as `verinet keystore`).
 */
export async function readNodePassword(passwordFile: string | undefined): Promise<string> {
  if (passwordFile) {
    try {
      return readFileSync(passwordFile, 'utf8').split(/\r?\n/)[0] ?? '';
    } catch (cause) {
      throw new NodeConfigError(`Cannot read the password file ${passwordFile}.`, { cause });
    }
  }
  return readPassword();
}
