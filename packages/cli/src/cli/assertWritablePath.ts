import { dirname, resolve } from 'node:path';
import { CommandError } from './errors.js';
import { statOrUndefined } from './statOrUndefined.js';

/**
 * Checks, before any work is done, that a file can be written at `path`: its folder exists and is a folder.
 * Checking first matters where the work costs something (a deployment spends gas before writing its file).
 *
 * @example
 * assertWritablePath('--out', 'deployments/base.json');
 */
export function assertWritablePath(flag: string, path: string): void {
  const folder = dirname(resolve(path));
  const info = statOrUndefined(folder);
  if (!info) {
    throw new CommandError(
      `${flag} ${path}: the folder ${folder} does not exist. Create it first (mkdir -p ${folder}) or choose another path.`,
    );
  }
  if (!info.isDirectory()) {
    throw new CommandError(`${flag} ${path}: ${folder} is a file, not a folder. Choose another path.`);
  }
  const target = statOrUndefined(resolve(path));
  if (target?.isDirectory()) {
    throw new CommandError(`${flag} ${path} is a folder; give a file name inside it.`);
  }
}
