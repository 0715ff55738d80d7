import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { printNote } from '../cli/output.js';

/**
 * The files `task run` / `task resume` wrote for a task (its images), kept beside the app's task store: one small
 * JSON file per task in `<store>-results/` (as SQLite keeps `<store>-wal`), so parallel runs never write the same
 * file and `--fresh` (which deletes the devnet's app folder) removes them with the store.
 */
function getResultsFile(storePath: string, id: string): string {
  return join(`${storePath}-results`, `${id}.json`);
}

/**
 * Records where the results of task `id` were written (absolute paths). A failure to record is a note, not an
 * error: the results themselves are written and printed.
 *
 * @example
 * recordTaskResults(network.storePath, result.id, images.map((image) => image.path));
 */
export function recordTaskResults(storePath: string, id: string, paths: string[]): void {
  const file = getResultsFile(storePath, id);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ id, paths, writtenAt: new Date().toISOString() })}\n`);
    renameSync(`${file}.tmp`, file);
  } catch (error) {
    printNote(
      `note: the result paths were not recorded for \`task status\` (${(error as Error).message.split('\n')[0]}).`,
    );
  }
}

/**
 * The paths recorded for task `id` by the last `task run` / `task resume` that wrote its results, or undefined
 * when none did (an LLM task, a task run elsewhere or before results were recorded).
 *
 * @example
 * readTaskResults(network.storePath, record.id); // ['/home/me/verinet-output/6aa4…-0.png']
 */
export function readTaskResults(storePath: string, id: string): string[] | undefined {
  try {
    const { paths } = JSON.parse(readFileSync(getResultsFile(storePath, id), 'utf8')) as { paths?: unknown };
    return Array.isArray(paths) && paths.every((path) => typeof path === 'string') ? paths : undefined;
  } catch {
    return undefined;
  }
}
