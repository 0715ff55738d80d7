import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Hex } from 'viem';
import { decryptKeystore, encryptKeystore } from '../keystore/keystore.js';

/**
 * The devnet's keys are public test keys (or a random relay key on a throwaway chain): a cheap scrypt cost
 * keeps a 20-node start fast; a real keystore keeps the default (2^18).
 */
const devnetScryptN = 2 ** 12;

/** The password of every devnet keystore, written once beside them (devnet-only keys). */
export function ensureDevnetPassword(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').split(/\r?\n/)[0] ?? '';
  mkdirSync(dirname(path), { recursive: true });
  const password = 'verinet-devnet';
  writeFileSync(path, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Returns the key held by the keystore at `path`, writing it first from `createKey()` when the file is
 * missing or unreadable (a devnet folder may have been half-written by a killed start).
 *
 * @example
 * const key = ensureDevnetKeystore({ path, password, createKey: () => getDevnetPrivateKey(1000) });
 */
export function ensureDevnetKeystore(parameters: {
  path: string;
  password: string;
  createKey: () => Hex;
  /** When set, a keystore holding another key is replaced (node keys are derived, so fixed). */
  expectedKey?: Hex | undefined;
}): Hex {
  const { path, password } = parameters;
  if (existsSync(path)) {
    try {
      const key = decryptKeystore(JSON.parse(readFileSync(path, 'utf8')), password);
      if (!parameters.expectedKey || key.toLowerCase() === parameters.expectedKey.toLowerCase()) return key;
    } catch {
      // Rewritten below.
    }
  }
  const key = parameters.expectedKey ?? parameters.createKey();
  mkdirSync(dirname(path), { recursive: true });
  const keystore = encryptKeystore(key, password, { scryptN: devnetScryptN });
  // Written whole then renamed, so a kill never leaves half a keystore.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
  return key;
}
