import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes `dir` and every folder below it that holds no file (deepest first); folders with files stay.
 * Returns whether `dir` itself was removed. Missing folders count as removed.
 */
export async function removeEmptyFolders(dir: string): Promise<boolean> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  let empty = true;
  for (const entry of entries) {
    if (entry.isDirectory() && (await removeEmptyFolders(join(dir, entry.name)))) continue;
    empty = false;
  }
  if (!empty) return false;
  await rmdir(dir).catch(() => {});
  return true;
}
