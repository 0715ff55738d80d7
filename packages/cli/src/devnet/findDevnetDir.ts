import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';

/** The devnet folder `npm start` uses by default, relative to the repository root. */
export const defaultDevnetDir = join('.verinet', 'devnet');

/**
 * The devnet folder a `--devnet DIR` names. The default one (`.verinet/devnet`) is looked for in the current folder,
 * then in each folder above it up to the repository root (the first holding `.git`), as git finds `.git`: `npx
 * verinet task …` from `packages/sdk` finds the devnet `npm start` runs at the root (trial s14: it said "No devnet
 * folder"). Any other DIR is taken as given, against the current folder. Nothing found: the current folder's.
 *
 * @example
 * findDevnetDir('.verinet/devnet'); // '/repo/.verinet/devnet' from /repo/packages/sdk
 */
export function findDevnetDir(dir: string, cwd: string = process.cwd()): string {
  const here = resolve(cwd, dir);
  if (isAbsolute(dir) || normalize(dir) !== defaultDevnetDir || existsSync(here)) return here;
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    const candidate = join(folder, defaultDevnetDir);
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(folder, '.git')) || dirname(folder) === folder) return here;
  }
}
