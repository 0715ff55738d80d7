import { type Stats, statSync } from 'node:fs';

/** statSync that answers undefined when nothing is at `path`, including when a parent is a file (ENOTDIR). */
export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
