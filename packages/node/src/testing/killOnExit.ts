/**
 * Test hygiene: processes a test file starts must not outlive it, even when the runner stops the file at its
 * timeout. Every tracked child is SIGKILLed from the test process's `exit` hook (normal end, uncaught error)
 * and from SIGTERM / SIGINT (the runner's timeout, Ctrl-C). A SIGKILL of the test process runs no hook: for
 * that, node children are started with an IPC channel and `exitWithParent.ts`, and die on its disconnect.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tracked = new Set<ChildProcess>();
let installed = false;

function killAll(): void {
  for (const child of tracked) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  tracked.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

/** Kills `child` when this process exits or is stopped, whatever the test did. */
export function killOnExit<T extends ChildProcess>(child: T): T {
  install();
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

/** `--import` this in a node child started with an IPC channel: it exits when its parent is gone. */
export const exitWithParentModule = fileURLToPath(new URL('./exitWithParent.ts', import.meta.url));
