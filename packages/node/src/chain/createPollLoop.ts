import { describeRpcError } from './describeRpcError.js';

export type PollLoopParameters = {
  /** One round of work; a throw is reported through `onError` and the loop goes on. */
  step: () => Promise<unknown>;
  /** Milliseconds to wait after a round, read after each round. */
  waitMs: () => number;
  /** A round failed: `message` is the RPC error in plain words, reported once until it changes or a round succeeds. */
  onError: (message: string) => void;
  /** `stop` resolves after this long at the latest, even if the current round still hangs (default: no bound). */
  stopWaitMs?: number | undefined;
};

export type PollLoop = {
  readonly running: boolean;
  /** True from `stop` until the next `start`: a step called on its own (tests) is not stopped. */
  readonly stopped: boolean;
  /** Starts the rounds (nothing if they run). */
  start: () => void;
  /**
   * Stops after the current round; a wait (the loop's or a `sleep`) ends at once. Resolves when the round returned
   * (or after `stopWaitMs`).
   */
  stop: () => Promise<void>;
  /** Waits `ms`, or less if the loop is stopped meanwhile (nothing once stopped): for a step's own waits. */
  sleep: (ms: number) => Promise<void>;
};

/**
 * The loop the node's pollers share (chain feed, draw settler, queue dispatcher): rounds of `step` until stopped,
 * each followed by a wait that `stop` cuts short, with repeated identical errors reported once.
 *
 * @example
 * const loop = createPollLoop({ step: tick, waitMs: () => 1000, onError: (m) => log.warn(m) });
 * loop.start();
 * await loop.stop();
 */
export function createPollLoop(parameters: PollLoopParameters): PollLoop {
  let running = false;
  let stopped = false;
  let rounds: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let lastError: string | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopped) return resolve();
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async () => {
    while (running) {
      try {
        await parameters.step();
        lastError = undefined;
      } catch (error) {
        const message = describeRpcError(error);
        if (message !== lastError) parameters.onError(message);
        lastError = message;
      }
      if (!running) break;
      await sleep(parameters.waitMs());
    }
  };

  return {
    get running() {
      return running;
    },
    get stopped() {
      return stopped;
    },
    start() {
      if (running) return;
      running = true;
      stopped = false;
      rounds = run();
    },
    async stop() {
      running = false;
      stopped = true;
      wake?.();
      const { stopWaitMs } = parameters;
      if (stopWaitMs === undefined) await rounds;
      else await Promise.race([rounds, new Promise((resolve) => setTimeout(resolve, stopWaitMs).unref())]);
    },
    sleep,
  };
}
