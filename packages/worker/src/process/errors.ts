import { BaseError } from '@verinet/protocol/errors';
import type { WorkerErrorKind } from '../protocol/messages.js';

export type WorkerCrashReason = 'exit' | 'out_of_memory' | 'memory_limit' | 'spawn_failed';

/** The worker process died (crash, OOM, kill) or could not start; the supervisor restarts it on the next task. */
export class WorkerCrashedError extends BaseError {
  override name = 'WorkerCrashedError' as const;
  readonly reason: WorkerCrashReason;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Last lines the worker wrote to stderr. */
  readonly stderrTail: string;

  constructor(parameters: {
    reason: WorkerCrashReason;
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    stderrTail: string;
    cause?: unknown;
  }) {
    const how =
      parameters.reason === 'out_of_memory'
        ? 'ran out of memory'
        : parameters.reason === 'memory_limit'
          ? 'exceeded its memory limit and was killed'
          : parameters.reason === 'spawn_failed'
            ? 'could not be started'
            : `exited (code ${parameters.exitCode}, signal ${parameters.signal})`;
    super(`Worker process ${how}`, {
      details: [
        ...(parameters.stderrTail ? [`Last stderr: ${parameters.stderrTail.slice(-600)}`] : []),
        'The task is not reported on chain; the worker restarts for the next task.',
        ...(parameters.reason === 'out_of_memory' || parameters.reason === 'memory_limit'
          ? ['Raise worker.maxOldSpaceMb / worker.maxRssMb, or use a smaller model.']
          : []),
      ],
      docsPath: 'worker-protocol.md',
      cause: parameters.cause,
    });
    this.reason = parameters.reason;
    this.exitCode = parameters.exitCode;
    this.signal = parameters.signal;
    this.stderrTail = parameters.stderrTail;
  }
}

/** The worker did not answer in time: no handshake after spawn, or no result before the task deadline. */
export class WorkerTimeoutError extends BaseError {
  override name = 'WorkerTimeoutError' as const;
  readonly phase: 'handshake' | 'task';
  readonly timeoutMs: number;

  constructor(phase: 'handshake' | 'task', timeoutMs: number) {
    super(
      `Worker ${phase === 'handshake' ? 'sent no handshake' : 'did not finish the task'} within ${timeoutMs} ms`,
      {
        details: [
          'The worker process was killed and restarts for the next task.',
          phase === 'task' ? 'Raise the task timeout if the model is slow on this machine.' : '',
        ].filter(Boolean),
        docsPath: 'worker-protocol.md',
      },
    );
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The worker answered a task with an `error` message. Only `kind === 'invalid_args'` may be reported on
 * chain; every other kind means this node could not run the task.
 */
export class WorkerTaskError extends BaseError {
  override name = 'WorkerTaskError' as const;
  readonly kind: WorkerErrorKind;
  readonly requestId: string;

  constructor(parameters: { kind: WorkerErrorKind; requestId: string; message: string; details?: string[] }) {
    super(`Worker task ${parameters.requestId} failed (${parameters.kind}): ${parameters.message}`, {
      details: parameters.details,
      docsPath: 'worker-protocol.md',
    });
    this.kind = parameters.kind;
    this.requestId = parameters.requestId;
  }
}

/** The worker speaks an incompatible protocol version. */
export class WorkerIncompatibleError extends BaseError {
  override name = 'WorkerIncompatibleError' as const;
  constructor(workerProtocol: string, expected: string) {
    super(`Worker speaks protocol ${workerProtocol}; this node needs ${expected.split('.')[0]}.x`, {
      details: ['Install a worker whose protocol major version matches the node.'],
      docsPath: 'worker-protocol.md',
    });
  }
}

/** The supervisor was stopped; it takes no more tasks. */
export class WorkerStoppedError extends BaseError {
  override name = 'WorkerStoppedError' as const;
  constructor() {
    super('Worker supervisor is stopped');
  }
}
