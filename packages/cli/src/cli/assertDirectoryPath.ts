import { dirname, resolve } from 'node:path';
import { CommandError } from './errors.js';
import { statOrUndefined } from './statOrUndefined.js';

/**
 * Checks that `path` is a folder or can become one: neither it nor any parent is a file. Without this check
 * `mkdir -p` fails deep inside a command with ENOTDIR and a stack trace.
 *
 * @example
 * assertDirectoryPath('--dir', '.verinet/devnet');
 */
export function assertDirectoryPath(flag: string, path: string): string {
  const absolute = resolve(path);
  for (let current = absolute; ; current = dirname(current)) {
    const info = statOrUndefined(current);
    if (info && !info.isDirectory()) {
      const where =
        current === absolute ? `${path} is a file` : `${current} is a file, so ${path} cannot be a folder`;
      throw new CommandError(`${flag} ${path}: ${where}. Choose a folder path.`);
    }
    if (info || dirname(current) === current) return absolute;
  }
}
