import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseError } from '@verinet/protocol';
import type { Abi, Hex } from 'viem';
import { getFoundryBinary } from '../foundry/getFoundryBinary.js';

export class ContractArtifactError extends BaseError {
  override name = 'ContractArtifactError' as const;
}

export type ContractArtifact = { contractName: string; abi: Abi; bytecode: Hex };

/** The Foundry project folder (contracts/). */
export const contractsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../contracts');

/**
 * Compiles the contracts with forge (incremental: a no-op when nothing changed).
 *
 * @example
 * buildContracts();
 */
export function buildContracts(): void {
  const forge = getFoundryBinary('forge');
  const result = spawnSync(forge, ['build', '--quiet', '--skip', 'test', '--skip', 'bench'], {
    cwd: contractsDir,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new ContractArtifactError('Compiling the contracts failed.', {
      details: [(result.stderr || result.stdout || String(result.error ?? '')).trim().slice(-2000)],
    });
  }
}

/**
 * Whether `buildContracts()` has work to do: no build yet (no forge cache or no TaskManager artifact), or a
 * Solidity source under contracts/src newer than forge's cache file, which forge rewrites when it compiles. Only
 * for telling the user a compile is coming (forge decides what it rebuilds).
 *
 * @example
 * if (contractsNeedBuild()) log('Compiling contracts…');
 */
export function contractsNeedBuild(): boolean {
  const cache = join(contractsDir, 'cache', 'solidity-files-cache.json');
  if (!existsSync(cache) || !existsSync(join(contractsDir, 'out', 'TaskManager.sol', 'TaskManager.json')))
    return true;
  const builtAt = statSync(cache).mtimeMs;
  const newerSource = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return newerSource(path);
      return entry.name.endsWith('.sol') && statSync(path).mtimeMs > builtAt;
    });
  return newerSource(join(contractsDir, 'src'));
}

/**
 * Reads a compiled contract (ABI and creation bytecode) from contracts/out.
 *
 * @example
 * const { abi, bytecode } = loadArtifact('TaskManager');
 */
export function loadArtifact(contractName: string): ContractArtifact {
  const outDir = join(contractsDir, 'out');
  if (!existsSync(outDir)) {
    throw new ContractArtifactError('The contracts are not compiled.', {
      details: ['Run `npm run build:contracts`.'],
    });
  }
  for (const entry of readdirSync(outDir)) {
    const file = join(outDir, entry, `${contractName}.json`);
    if (!entry.endsWith('.sol') || !existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, 'utf8')) as { abi: Abi; bytecode: { object: Hex } };
    if (json.bytecode.object.includes('__$')) {
      throw new ContractArtifactError(`${contractName} needs library linking, which deploy does not do.`);
    }
    return { contractName, abi: json.abi, bytecode: json.bytecode.object };
  }
  throw new ContractArtifactError(`No compiled contract named ${contractName} in contracts/out.`);
}
