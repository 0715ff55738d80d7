import { existsSync, readFileSync } from 'node:fs';
import type { TaskEvent, TaskRecord } from '@verinet/sdk';
import { CommandError } from '../cli/errors.js';
import { printNote } from '../cli/output.js';
import { formatTaskEvent } from './formatTaskEvent.js';
import type { TaskNetwork } from './resolveTaskNetwork.js';

export type TaskFollower = {
  /** A progress line on stderr, stamped with the seconds since the process started. */
  note: (line: string, at?: number) => void;
  /** The SDK's progress callback: one line per step, `running` at most every 5 s. */
  onProgress: (event: TaskEvent) => void;
  /** Aborts the SDK when `--timeout` passed, the devnet stopped or the user pressed Ctrl-C. */
  signal: AbortSignal;
  /** The error the command ends with: a one-line reason when the network stopped answering, with the way on. */
  explain: (error: unknown, id: string | undefined, record: TaskRecord | undefined) => Promise<unknown>;
  /** `task resume`: the task was created at this time (its record's `createdAt`, ms); `running` counts from it. */
  setTaskCreatedAt: (at: number) => void;
  /** Ends the devnet watch and the Ctrl-C handler. */
  stop: () => void;
};

/** How often `task run` checks that the devnet it follows a task on still runs. */
const devnetCheckMs = 2_000;

/**
 * What `task run` and `task resume` share while the SDK follows a task: the progress lines, the `--timeout`, a
 * watch of the devnet's process (a devnet killed with `kill -9` leaves its chain answering but no node or relay
 * to finish the task, so the wait would otherwise last until the task's own timeout, printing "running"), and
 * the one line said when it stops: which part of the network stopped answering, and that the task is saved for
 * `verinet task resume`.
 *
 * @example
 * const follow = followTask(network, { timeoutS: 3600, onPrepared: (id) => (preparedId = id) });
 */
export function followTask(
  network: TaskNetwork,
  options: { timeoutS: number; onPrepared?: (id: string) => void },
): TaskFollower {
  // Times count from the process start: loading the SDK and the tokenizer takes seconds on a busy machine, and a
  // silent terminal then looks hung.
  const started = Date.now() - process.uptime() * 1000;
  const note = (line: string, at = Date.now()) =>
    printNote(`[${((at - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  let lastRunningLine = 0;
  let lastRetryLine: string | undefined;
  let nonceRaces = 0;
  // `running` counts from the task's creation: its `prepared` event, or its stored record (`task resume`).
  let taskCreatedAt: number | undefined;
  const onProgress = (event: TaskEvent) => {
    if (event.type === 'prepared') {
      options.onPrepared?.(event.id);
      taskCreatedAt ??= event.at;
    }
    if (event.type === 'retry' && isNonceRace(event.error)) {
      note(formatNonceRace(event, ++nonceRaces === 1), event.at);
      return;
    }
    if (event.type === 'running') {
      if (event.at - lastRunningLine < 5_000) return;
      lastRunningLine = event.at;
    }
    const line = formatTaskEvent(event, taskCreatedAt);
    if (!line) return;
    // Parallel requests of one step (the relay's `/result` and `/result/files/…`) retry together with the same
    // words: said once.
    if (event.type === 'retry') {
      if (line === lastRetryLine) return;
      lastRetryLine = line;
    }
    note(line, event.at);
  };
  const timeout = AbortSignal.timeout(options.timeoutS * 1000);
  const devnetGone = new AbortController();
  const watch =
    network.kind === 'devnet' && network.devnetPid !== undefined
      ? setInterval(() => {
          if (!isDevnetRunning(network)) devnetGone.abort();
        }, devnetCheckMs)
      : undefined;
  watch?.unref();
  // Ctrl-C stops following (the SDK aborts at its next step) and the command ends with one line saying where the
  // task is, as a timeout does; a second Ctrl-C stops at once (the SDK may be in a wait it does not abort).
  const interrupted = new AbortController();
  const onInterrupt = () => {
    if (interrupted.signal.aborted) {
      printNote(
        'Stopped at once (second Ctrl-C): `verinet task list` shows the task, `verinet task resume ID` finishes it.',
      );
      process.exit(130);
    }
    interrupted.abort();
    note('stopping         Ctrl-C: stopping at the next step (Ctrl-C again to stop at once)…');
  };
  process.on('SIGINT', onInterrupt);

  const explain = async (error: unknown, id: string | undefined, record: TaskRecord | undefined) => {
    const open =
      id !== undefined && record !== undefined && record.phase !== 'done' && record.phase !== 'failed';
    const saved = open
      ? record.phase === 'prepared' && !record.resubmits && !record.previous?.length
        ? `the task ${id} was not sent, nothing was paid`
        : `the task is saved: \`verinet task resume ${id}\` finishes it`
      : undefined;
    if (interrupted.signal.aborted)
      return new CommandError(
        saved ? `Stopped (Ctrl-C); ${saved}.` : 'Stopped (Ctrl-C).',
        saved || id === undefined ? { cause: error } : { details: [resumeAdvice(id)], cause: error },
      );
    if (timeout.aborted)
      return new CommandError(`No result after ${options.timeoutS} s; the task goes on.`, {
        // The chain answers: the task only took longer than --timeout.
        details: [resumeAdvice(id, false)],
        cause: error,
      });
    // A chain killed under a read surfaces as viem's bare transport error, not the SDK's "did not answer": then,
    // as when the devnet is gone, the chain itself is asked.
    const chainDown =
      isChainUnreachable(error) ||
      ((devnetGone.signal.aborted ||
        (saved !== undefined && isTransportFailure(error) && !isRelayUnreachable(error))) &&
        !(await chainAnswers(network.rpcUrl)));
    if (chainDown && saved)
      return new CommandError(
        `The chain at ${network.rpcUrl} stopped answering; ${saved}${saved.includes('resume') ? ' once it answers again' : ''}.`,
        { cause: error },
      );
    if (devnetGone.signal.aborted && saved)
      return new CommandError(
        `The devnet in ${network.devnetDir} stopped: no node or relay runs; ${saved}${saved.includes('resume') ? ' once `npm start` runs the devnet again' : ''}.`,
        { cause: error },
      );
    if (
      isNonceRace((error as Error)?.message ?? '') &&
      (error as { name?: unknown }).name === 'ChainRequestError'
    )
      return new CommandError(
        `Other processes paying from this account kept taking the nonce of its transactions (tried ${nonceRaces + 1} times)${saved ? `; ${saved}` : ''}.`,
        {
          details: ['Run fewer `verinet task run` at once on one account, or give each its own --keystore.'],
          cause: error,
        },
      );
    if (isRelayUnreachable(error) && saved)
      return new CommandError(
        `The relay at ${network.relayUrl} stopped answering; ${saved}${saved.includes('resume') ? ' once it answers again' : ''}.`,
        { cause: error },
      );
    return error;
  };
  return {
    note,
    onProgress,
    signal: AbortSignal.any([timeout, devnetGone.signal, interrupted.signal]),
    explain,
    setTaskCreatedAt: (at) => {
      taskCreatedAt = at;
    },
    stop: () => {
      clearInterval(watch);
      process.off('SIGINT', onInterrupt);
    },
  };
}

/** The RPC refused a transaction because another sender from the same account used its nonce first. */
export function isNonceRace(message: string): boolean {
  return /nonce too low|took its nonce|replacement transaction underpriced|already known|already imported/i.test(
    message,
  );
}

/**
 * Several `task run` on one account race for its next nonce; the SDK signs again with a fresh one and it goes
 * through. The first time it is said what happens in words, then only that it happened again: it is no error.
 *
 * @example
 * formatNonceRace({ type: 'retry', step: 'createTask', attempt: 1, … }, true);
 */
export function formatNonceRace(event: Extract<TaskEvent, { type: 'retry' }>, first: boolean): string {
  return first
    ? `nonce taken      another process paying from this account sent a transaction with the same nonce first; ${event.step} is signed again with the next nonce (normal when several \`task run\` share an account)`
    : `nonce taken      again; ${event.step} is signed again with the next nonce (attempt ${event.attempt + 1})`;
}

/** What to do once `task run` stopped following a task that may go on. */
export function resumeAdvice(id: string | undefined, chainStopped = true): string {
  const ref = id ?? 'ID';
  return `\`verinet task status ${ref}\` shows it; \`verinet task resume ${ref}\` finishes it from the step it stopped at (paying nothing twice)${chainStopped ? ' once the chain answers' : ''}${id ? '' : ' (`verinet task list` shows the id)'}.`;
}

/** The devnet runs: its network file says so and names a live process (after a restart, the new one). */
function isDevnetRunning(network: TaskNetwork): boolean {
  let pid = network.devnetPid ?? 0;
  const file = network.devnetNetworkFile;
  if (!file || !existsSync(file)) return false;
  try {
    const written = JSON.parse(readFileSync(file, 'utf8')) as { running?: unknown; pid?: unknown };
    if (written.running !== true) return false;
    if (typeof written.pid === 'number') pid = written.pid;
  } catch {
    // Being rewritten by a starting devnet: its process decides.
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The SDK's error for a chain RPC that did not answer (after its retries; SDKs before ChainUnreachableError said
 * so in a ChainRequestError). */
function isChainUnreachable(error: unknown): boolean {
  const name = (error as { name?: unknown }).name;
  return (
    name === 'ChainUnreachableError' ||
    (name === 'ChainRequestError' && /did not answer/.test((error as Error).message))
  );
}

/** An HTTP request that failed below the JSON-RPC level (viem's HttpRequestError, fetch's "fetch failed"). */
function isTransportFailure(error: unknown): boolean {
  for (
    let e = error as { name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  )
    if (
      e.name === 'HttpRequestError' ||
      /HTTP request failed|fetch failed|ECONNREFUSED|ECONNRESET/.test(String(e.message))
    )
      return true;
  return false;
}

function isRelayUnreachable(error: unknown): boolean {
  return (
    (error as { name?: unknown }).name === 'RelayRequestError' &&
    (error as { code?: unknown }).code === 'UNREACHABLE'
  );
}

/**
 * Whether something serves the chain's RPC URL (an eth_chainId request). Only a request that fails outright (no
 * connection, a name that does not resolve) counts as "does not answer": any HTTP answer (a provider's 429, a
 * proxy's 502) and a slow one (none within 3 s) leave the verdict to the SDK, whose longer timeouts, retries and
 * messages name the status or the slowness (review s11 finding 1).
 *
 * @example
 * if (!(await chainAnswers('http://127.0.0.1:8545'))) …
 */
export async function chainAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(3_000),
    });
    await response.body?.cancel();
    return true;
  } catch (error) {
    return (error as { name?: unknown }).name === 'TimeoutError';
  }
}
