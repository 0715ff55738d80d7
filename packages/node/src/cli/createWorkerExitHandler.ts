import type { WorkerExit } from '@verinet/worker';

export type WorkerExitHandlerParameters = {
  notice: (level: 'info' | 'warn', message: string) => void;
  /** Starts the worker again; rejects when it cannot (a stop that began meanwhile rejects it too). */
  start: () => Promise<unknown>;
  /** Whether the node is shutting down (its stop began). */
  isStopping: () => boolean;
  /** How long a worker ended by SIGINT/SIGTERM/SIGHUP waits for the node's own stop before it is restarted. */
  signalGraceMs?: number | undefined;
  isStoppedError?: ((error: unknown) => boolean) | undefined;
};

/** Signals a terminal sends to its whole foreground process group: Ctrl-C, a closed terminal, a group kill. */
const groupSignals = new Set<string>(['SIGINT', 'SIGTERM', 'SIGHUP']);

/**
 * What the node does when its worker process ends on its own: a line in the log and a restart at once, so the
 * next task does not wait for a model load unexplained. A worker ended by SIGINT, SIGTERM or SIGHUP usually got
 * the signal its node got too (Ctrl-C reaches the whole process group): it waits `signalGraceMs` and stays
 * down quietly when the node is stopping, where a restart warned "restarting" then "did not start again".
 *
 * @example
 * const onExit = createWorkerExitHandler({ notice, start: () => worker.start(), isStopping: () => stopping });
 */
export function createWorkerExitHandler(parameters: WorkerExitHandlerParameters): (exit: WorkerExit) => void {
  const { notice, start, isStopping } = parameters;
  const graceMs = parameters.signalGraceMs ?? 5_000;
  const isStoppedError = parameters.isStoppedError ?? (() => false);
  const restart = (how: string) => {
    if (isStopping()) return;
    notice('warn', `worker exited (${how}), restarting`);
    const started = Date.now();
    start().then(
      () => notice('info', `worker ready again (${((Date.now() - started) / 1000).toFixed(1)} s)`),
      (error: unknown) => {
        if (isStopping() || isStoppedError(error)) return;
        const message = error instanceof Error ? error.message : String(error);
        notice('warn', `worker did not start again: ${message.split('\n')[0]} (the next task tries again)`);
      },
    );
  };
  return (exit) => {
    if (isStopping()) return;
    const how = `${exit.signal ? `signal ${exit.signal}` : `code ${exit.exitCode}`}${exit.killedFor ? `, killed here: ${exit.killedFor}` : ''}`;
    if (!exit.wasReady) {
      notice('warn', `worker exited (${how}) before it was ready; the next task starts it again`);
      return;
    }
    if (exit.signal && groupSignals.has(exit.signal) && !exit.killedFor) {
      setTimeout(() => restart(how), graceMs).unref();
      return;
    }
    restart(how);
  };
}
