import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Progress, TaskType } from '../backend/types.js';
import { decodeWorkerMessage, encodeMessage } from '../protocol/codec.js';
import { WorkerProtocolError } from '../protocol/errors.js';
import { createLineSplitter } from '../protocol/lineSplitter.js';
import {
  type HandshakeMessage,
  type ParentMessage,
  protocolVersion,
  type ResultFileMessage,
  type WorkerMessage,
} from '../protocol/messages.js';
import {
  WorkerCrashedError,
  WorkerIncompatibleError,
  WorkerStoppedError,
  WorkerTaskError,
  WorkerTimeoutError,
} from './errors.js';

export type WorkerSupervisorParameters = {
  /** Root of the local model store the worker reads. */
  modelsDir: string;
  /** onnxruntime intra-op threads (results do not depend on it). Default 1. */
  threads?: number | undefined;
  executionProvider?: 'cpu' | 'cuda' | undefined;
  /** V8 heap limit of the worker (`--max-old-space-size`). Default 4096. */
  maxOldSpaceMb?: number | undefined;
  /** Kill the worker when its resident memory (heap plus native, e.g. onnxruntime) exceeds this. Linux only. */
  maxRssMb?: number | undefined;
  /** Default 60 s: loading backends can take a while on a cold disk. */
  handshakeTimeoutMs?: number | undefined;
  /** Default per-task deadline, 10 minutes. */
  taskTimeoutMs?: number | undefined;
  /**
   * Least time between two progress reports of a task, and before the first (the built-in child's
   * `--progress-interval-ms`); 0 reports every step. Default 250 ms: each message wakes this process.
   */
  progressIntervalMs?: number | undefined;
  /** How long a cancelled task may take to stop before the worker is killed. Default 5 s. */
  cancelGraceMs?: number | undefined;
  /**
   * Another worker executable speaking the same protocol (e.g. a Python worker). When set, the built-in
   * node child and the options only it understands (maxOldSpaceMb, backendModules, progressIntervalMs) are
   * not used.
   */
  command?: { executable: string; args: string[] } | undefined;
  /** Extra backend modules for the built-in child (`export const backends: BackendEntry[]`). */
  backendModules?: string[] | undefined;
  /** Only the backends from `backendModules`. */
  noDefaultBackends?: boolean | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Receives every stderr line of the worker (its logs). */
  onLog?: ((line: string) => void) | undefined;
  /**
   * Called when the worker process ends other than by `stop()` (killed from outside, crashed, or killed here
   * after a timeout: `killedFor`). The next task respawns it; a caller may call `start()` at once instead.
   */
  onExit?: ((exit: WorkerExit) => void) | undefined;
};

export type WorkerExit = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The worker had answered its handshake: it was running, not failing to start. */
  wasReady: boolean;
  /** Why this supervisor killed it (task timeout, cancel grace, memory, protocol error); undefined otherwise. */
  killedFor: string | undefined;
};

export type WorkerTask = {
  taskType: TaskType;
  /** Raw task arguments as uploaded; the worker validates them. */
  args: unknown;
  /** Existing empty folder for the result files. */
  outputDir: string;
  requestId?: string | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: Progress) => void) | undefined;
};

export type WorkerResultFile = ResultFileMessage & { path: string };

export type WorkerTaskResult = {
  requestId: string;
  files: WorkerResultFile[];
  /** Lowercase hex without 0x, as the worker computed it. */
  score: string;
  durationMs: number;
};

type Pending = {
  requestId: string;
  outputDir: string;
  onProgress: ((progress: Progress) => void) | undefined;
  resolve: (result: WorkerTaskResult) => void;
  reject: (error: Error) => void;
};

type Child = {
  proc: ChildProcess;
  handshake: Promise<HandshakeMessage>;
  stderrTail: string[];
  pending: Pending | undefined;
  /** Set once the child is known bad: the error every waiter receives when it exits. */
  failure: Error | undefined;
  exited: Promise<void>;
  memoryTimer: NodeJS.Timeout | undefined;
};

const oomPattern = /heap out of memory|Reached heap limit|std::bad_alloc|Cannot allocate memory/i;

/**
 * Runs the worker child process and talks to it. One task at a time (later calls queue); the worker is
 * (re)spawned on demand, so a crash, out-of-memory or hang only fails the task it happened in, as a typed
 * WorkerCrashedError / WorkerTimeoutError / WorkerProtocolError, and the next task gets a fresh worker.
 *
 * @example
 * const worker = new WorkerSupervisor({ modelsDir: '.verinet/models' });
 * const result = await worker.run({ taskType: 'llm', args, outputDir });
 * await worker.stop();
 */
export class WorkerSupervisor {
  readonly #options: WorkerSupervisorParameters;
  #child: Child | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;
  #restarts = 0;
  #spawns = 0;

  constructor(options: WorkerSupervisorParameters) {
    this.#options = options;
  }

  /** How many times the worker was respawned after the first start. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Pid of the running worker, if any. */
  get pid(): number | undefined {
    return this.#child?.proc.pid;
  }

  /** Spawns the worker (if not running) and resolves with its handshake. */
  async start(): Promise<HandshakeMessage> {
    if (this.#stopped) throw new WorkerStoppedError();
    if (!this.#child) this.#child = this.#spawn();
    return this.#child.handshake;
  }

  /** Runs one task in the worker; queued behind any running task. Never leaves the worker half-used. */
  run(task: WorkerTask): Promise<WorkerTaskResult> {
    const next = this.#queue.then(() => this.#runNow(task));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Asks the worker to cancel a task; kills it if it does not stop within the grace period. */
  cancel(requestId: string): boolean {
    const child = this.#child;
    if (!child?.pending || child.pending.requestId !== requestId) return false;
    this.#send(child, { type: 'cancel', requestId });
    const pending = child.pending;
    const timer = setTimeout(() => {
      if (child.pending === pending) {
        this.#fail(
          child,
          new WorkerTaskError({
            kind: 'cancelled',
            requestId,
            message: 'Task cancelled (worker killed after grace)',
          }),
        );
      }
    }, this.#options.cancelGraceMs ?? 5_000);
    timer.unref();
    return true;
  }

  /** Shuts the worker down (gracefully, then by force) and refuses further tasks. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const child = this.#child;
    if (!child) return;
    this.#send(child, { type: 'shutdown' });
    child.proc.stdin?.end();
    const timer = setTimeout(() => this.#kill(child), 3_000);
    timer.unref();
    await child.exited;
    clearTimeout(timer);
  }

  async #runNow(task: WorkerTask): Promise<WorkerTaskResult> {
    if (this.#stopped) throw new WorkerStoppedError();
    const requestId = task.requestId ?? randomUUID();
    if (task.signal?.aborted) {
      throw new WorkerTaskError({
        kind: 'cancelled',
        requestId,
        message: 'Task cancelled before it started',
      });
    }
    const handshake = await this.start();
    if (!handshake.backends.some((b) => b.taskType === task.taskType)) {
      throw new WorkerTaskError({
        kind: 'unsupported',
        requestId,
        message: `The worker has no backend for task type '${task.taskType}'`,
      });
    }
    if (task.signal?.aborted) {
      throw new WorkerTaskError({
        kind: 'cancelled',
        requestId,
        message: 'Task cancelled before it started',
      });
    }
    const child = this.#child;
    if (!child) {
      // The worker died between its handshake and this task; the next call respawns it.
      throw new WorkerCrashedError({ reason: 'exit', exitCode: null, signal: null, stderrTail: '' });
    }
    const timeoutMs = task.timeoutMs ?? this.#options.taskTimeoutMs ?? 600_000;
    return new Promise<WorkerTaskResult>((resolve, reject) => {
      const onAbort = () => this.cancel(requestId);
      const timer = setTimeout(() => {
        if (child.pending?.requestId === requestId)
          this.#fail(child, new WorkerTimeoutError('task', timeoutMs));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        task.signal?.removeEventListener('abort', onAbort);
        if (child.pending?.requestId === requestId) child.pending = undefined;
      };
      child.pending = {
        requestId,
        outputDir: task.outputDir,
        onProgress: task.onProgress,
        resolve: (result) => {
          settle();
          resolve(result);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      task.signal?.addEventListener('abort', onAbort, { once: true });
      this.#send(child, {
        type: 'run',
        requestId,
        taskType: task.taskType,
        args: task.args,
        outputDir: task.outputDir,
      });
    });
  }

  #spawn(): Child {
    if (this.#spawns > 0) this.#restarts++;
    this.#spawns++;
    const { executable, args } = this.#options.command ?? this.#defaultCommand();
    const proc = spawn(executable, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...this.#options.env },
      // Its own process group: a terminal's Ctrl-C (SIGINT to the whole foreground group) reaches the node, which
      // lets the running task finish its step and then stops the worker, instead of killing the inference under
      // it (a task given up, a timeout mark on chain). The worker still ends with its stdin when the node dies.
      detached: true,
    });
    let resolveHandshake: (h: HandshakeMessage) => void = () => {};
    let rejectHandshake: (e: Error) => void = () => {};
    const handshake = new Promise<HandshakeMessage>((resolve, reject) => {
      resolveHandshake = resolve;
      rejectHandshake = reject;
    });
    // Nobody may be awaiting yet; the rejection is delivered to whoever awaits later.
    handshake.catch(() => {});
    let markExited: () => void = () => {};
    const child: Child = {
      proc,
      handshake,
      stderrTail: [],
      pending: undefined,
      failure: undefined,
      exited: new Promise<void>((resolve) => {
        markExited = resolve;
      }),
      memoryTimer: undefined,
    };
    let handshaken = false;

    const handshakeTimeoutMs = this.#options.handshakeTimeoutMs ?? 60_000;
    const handshakeTimer = setTimeout(() => {
      if (!handshaken) this.#fail(child, new WorkerTimeoutError('handshake', handshakeTimeoutMs));
    }, handshakeTimeoutMs);

    const onMessage = (message: WorkerMessage) => {
      // A worker already condemned (timeout, protocol error, memory) is not trusted with a late answer.
      if (child.failure) return;
      if (message.type === 'handshake') {
        if (handshaken) throw new WorkerProtocolError('second handshake', JSON.stringify(message));
        handshaken = true;
        clearTimeout(handshakeTimer);
        if (message.protocolVersion.split('.')[0] !== protocolVersion.split('.')[0]) {
          this.#fail(child, new WorkerIncompatibleError(message.protocolVersion, protocolVersion));
          return;
        }
        resolveHandshake(message);
        return;
      }
      const pending = child.pending;
      if (message.type === 'error' && message.requestId === undefined) {
        this.#options.onLog?.(`worker protocol error: ${message.message}`);
        return;
      }
      if (!pending || message.requestId !== pending.requestId) {
        // Late messages for a task that already timed out or was cancelled are harmless.
        return;
      }
      if (message.type === 'progress') {
        pending.onProgress?.({
          step: message.step,
          total: message.total,
          ...(message.message === undefined ? {} : { message: message.message }),
        });
      } else if (message.type === 'result') {
        pending.resolve({
          requestId: message.requestId,
          score: message.score,
          durationMs: message.durationMs,
          files: message.files.map((f) => ({ ...f, path: join(pending.outputDir, f.name) })),
        });
      } else {
        pending.reject(
          new WorkerTaskError({
            kind: message.kind,
            requestId: message.requestId ?? pending.requestId,
            message: message.message,
            ...(message.details ? { details: message.details } : {}),
          }),
        );
      }
    };

    const splitter = createLineSplitter(
      (line) => {
        try {
          onMessage(decodeWorkerMessage(line));
        } catch (error) {
          this.#fail(child, error instanceof Error ? error : new Error(String(error)));
        }
      },
      (error) => this.#fail(child, error),
    );
    proc.stdout!.on('data', (chunk: Buffer) => splitter.push(chunk));
    const stderrSplitter = createLineSplitter(
      (line) => {
        child.stderrTail.push(line);
        if (child.stderrTail.length > 20) child.stderrTail.shift();
        this.#options.onLog?.(line);
      },
      () => {},
      64 * 1024,
    );
    proc.stderr!.on('data', (chunk: Buffer) => stderrSplitter.push(chunk));
    // A dead child makes writes fail with EPIPE; the exit handler reports it.
    proc.stdin!.on('error', () => {});

    if (this.#options.maxRssMb !== undefined && proc.pid !== undefined) {
      const limitKb = this.#options.maxRssMb * 1024;
      const statusFile = `/proc/${proc.pid}/status`;
      child.memoryTimer = setInterval(() => {
        readFile(statusFile, 'utf8').then(
          (status) => {
            const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
            if (rssKb > limitKb) {
              this.#fail(
                child,
                new WorkerCrashedError({
                  reason: 'memory_limit',
                  exitCode: null,
                  signal: 'SIGKILL',
                  stderrTail: `resident memory ${Math.round(rssKb / 1024)} MB > ${this.#options.maxRssMb} MB`,
                }),
              );
            }
          },
          () => {},
        );
      }, 200);
      child.memoryTimer.unref();
    }

    const onGone = (exitCode: number | null, signal: NodeJS.Signals | null, cause?: unknown) => {
      clearTimeout(handshakeTimer);
      if (child.memoryTimer) clearInterval(child.memoryTimer);
      const stderrTail = child.stderrTail.join('\n');
      const error =
        child.failure ??
        new WorkerCrashedError({
          reason: cause ? 'spawn_failed' : oomPattern.test(stderrTail) ? 'out_of_memory' : 'exit',
          exitCode,
          signal,
          stderrTail,
          cause,
        });
      if (this.#child === child) this.#child = undefined;
      rejectHandshake(error);
      child.pending?.reject(error);
      markExited();
      if (!this.#stopped)
        this.#options.onExit?.({
          exitCode,
          signal,
          wasReady: handshaken,
          killedFor: child.failure?.message,
        });
    };
    let gone = false;
    proc.on('error', (error) => {
      // 'error' without a pid means the spawn itself failed and no 'exit' follows.
      if (proc.pid === undefined && !gone) {
        gone = true;
        onGone(null, null, error);
      }
    });
    proc.on('exit', (code, signal) => {
      if (gone) return;
      gone = true;
      onGone(code, signal);
    });
    return child;
  }

  /** Marks the child as failed with `error` (what its waiters get) and kills it. */
  #fail(child: Child, error: Error): void {
    child.failure ??= error;
    if (this.#child === child) this.#child = undefined;
    this.#kill(child);
  }

  #kill(child: Child): void {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  }

  #send(child: Child, message: ParentMessage): void {
    if (child.proc.stdin?.writable) child.proc.stdin.write(encodeMessage(message));
  }

  #defaultCommand(): { executable: string; args: string[] } {
    const entry = fileURLToPath(
      new URL(`./child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
    );
    // V8's memory reducer off: it starts full garbage collections when the process looks idle to it, i.e. between
    // the tasks of a node whose tasks are short and spaced (a task every ≈ 0.3 s, 4-token completions of the tiny
    // GPT-2: 4.7–5.8 → 3.7–4.9 ms of the worker's CPU a task, four alternating pairs of 100 tasks). The heap is
    // still collected as it grows (and as the tensors' external memory does); only the shrinking while idle goes.
    const nodeArgs = [`--max-old-space-size=${this.#options.maxOldSpaceMb ?? 4096}`, '--no-memory-reducer'];
    if (entry.endsWith('.ts')) nodeArgs.push('--import', import.meta.resolve('tsx'));
    const childArgs = [
      '--models-dir',
      this.#options.modelsDir,
      '--threads',
      String(this.#options.threads ?? 1),
      '--execution-provider',
      this.#options.executionProvider ?? 'cpu',
    ];
    if (this.#options.progressIntervalMs !== undefined)
      childArgs.push('--progress-interval-ms', String(this.#options.progressIntervalMs));
    for (const file of this.#options.backendModules ?? []) childArgs.push('--backend-module', file);
    if (this.#options.noDefaultBackends) childArgs.push('--no-default-backends');
    return { executable: process.execPath, args: [...nodeArgs, entry, ...childArgs] };
  }
}
