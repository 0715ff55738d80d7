import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Starts `appProcess.ts` (an application running one LLM task with a SQLite store, printing its events as JSON
 * lines) in a child process, so that a test can kill it (SIGKILL) at a chosen step and resume from its store.
 *
 * @example
 * const child = spawnAppProcess({ chain, relay, privateKey, storePath, fee: '10000000000000000', args, id: 'a' });
 * await waitForAppLine(child, (line) => line.type === 'created');
 */
export function spawnAppProcess(input: unknown): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'appProcess.ts'), JSON.stringify(input)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
}

/** The first event line of an app process that `match` accepts; throws when the process ends first. */
export async function waitForAppLine(
  child: ChildProcess,
  match: (line: Record<string, string>) => boolean,
): Promise<Record<string, string>> {
  const lines = createInterface({ input: child.stdout! });
  for await (const text of lines) {
    const line = JSON.parse(text) as Record<string, string>;
    if (line.type === 'exit') throw new Error(`the app process ended first: ${text}`);
    if (match(line)) return line;
  }
  throw new Error('the app process closed its output');
}
