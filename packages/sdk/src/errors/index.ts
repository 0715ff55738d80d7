import type { Address, Hex } from 'viem';
import { VerinetError } from './base.js';

export { VerinetError } from './base.js';

/** The task arguments are refused by the schema of their task type (nothing was sent). */
export class InvalidTaskArgumentsError extends VerinetError {
  override name = 'InvalidTaskArgumentsError' as const;
  readonly issues: string[];
  constructor(taskType: string, issues: string[], cause?: unknown) {
    super(`The ${taskType} task arguments are invalid.`, {
      details: [
        ...issues,
        'Fix the arguments (docs/task-args.md lists every field); nothing was sent or paid.',
      ],
      cause,
    });
    this.issues = issues;
  }
}

/** A client option is missing or wrong (chain, relay, account, store, requirements). */
export class ConfigurationError extends VerinetError {
  override name = 'ConfigurationError' as const;
}

/** The relay refused a request or could not be reached; `code` is the relay's stable error code. */
export class RelayRequestError extends VerinetError {
  override name = 'RelayRequestError' as const;
  readonly code: string;
  readonly status: number;
  constructor(parameters: {
    code: string;
    status: number;
    message: string;
    retryable: boolean;
    method: string;
    path: string;
    cause?: unknown;
  }) {
    super(`The relay answered ${parameters.status} ${parameters.code}: ${parameters.message}`, {
      // The query can hold the arguments' salt (a secret until the task is judged): never in a message or a log.
      details: [`Request: ${parameters.method} ${parameters.path.split('?')[0]}`],
      retryable: parameters.retryable,
      cause: parameters.cause,
    });
    this.code = parameters.code;
    this.status = parameters.status;
  }
}

/** The chain's RPC endpoint failed (unreachable, timeout, rate limit): retried, then surfaced. */
export class ChainRequestError extends VerinetError {
  override name = 'ChainRequestError' as const;
}

/**
 * The chain's RPC endpoint does not answer (connection refused or reset, no answer in time) after the SDK's
 * retries. `url` is the endpoint's origin only: a provider's path can hold an API key. `step` is the call that
 * met it (`goingPrice`, `createTask`, …).
 */
export class ChainUnreachableError extends VerinetError {
  override name = 'ChainUnreachableError' as const;
  readonly url: string;
  readonly step: string;
  /** The connection was refused (nothing listens there), rather than reset or cut. */
  readonly refused: boolean;
  constructor(parameters: { url: string | undefined; step: string; cause?: unknown; refused?: boolean }) {
    const url = toOrigin(parameters.url);
    super(
      `The chain at ${url} does not answer: ${
        isLocalUrl(url)
          ? 'is the devnet (or your local chain) running? Start the devnet with `npm start`.'
          : 'check the RPC URL and your connection to it, then try again.'
      }`,
      { retryable: true, cause: parameters.cause },
    );
    this.url = url;
    this.step = parameters.step;
    this.refused = parameters.refused ?? false;
  }
}

function toOrigin(url: string | undefined): string {
  if (!url) return 'the configured RPC URL';
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured RPC URL';
  }
}

function isLocalUrl(url: string): boolean {
  try {
    return ['localhost', '127.0.0.1', '[::1]', '0.0.0.0'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** A transaction or its gas estimate reverted with the contract's custom error `errorName(args)`. */
export class ContractRevertedError extends VerinetError {
  override name = 'ContractRevertedError' as const;
  readonly errorName: string;
  readonly args: readonly unknown[];
  readonly functionName: string;
  constructor(parameters: {
    functionName: string;
    errorName: string;
    args: readonly unknown[];
    hint?: string | undefined;
    retryable?: boolean | undefined;
    cause?: unknown;
  }) {
    const shown = parameters.args.map((a) => (typeof a === 'bigint' ? a.toString() : String(a))).join(', ');
    super(`${parameters.functionName} reverted: ${parameters.errorName}(${shown})`, {
      details: parameters.hint ? [parameters.hint] : [],
      retryable: parameters.retryable,
      cause: parameters.cause,
    });
    this.errorName = parameters.errorName;
    this.args = parameters.args;
    this.functionName = parameters.functionName;
  }
}

/** The account cannot pay the value (fee) plus gas of a transaction. */
export class InsufficientFundsError extends VerinetError {
  override name = 'InsufficientFundsError' as const;
  constructor(account: Address, functionName: string, cause?: unknown) {
    super(`The account ${account} cannot pay ${functionName}: value plus gas exceed its balance.`, {
      details: ['Fund the account, or lower the fee (it cannot be below the chain minFee).'],
      cause,
    });
  }
}

/** No node took the task before its queue timeout: it was aborted and its fee is owed back. */
export class TaskQueuedError extends VerinetError {
  override name = 'TaskQueuedError' as const;
  constructor(taskKey: Hex) {
    super(
      `Task ${taskKey} stayed queued: no node with the required GPU/VRAM/version/models was free in time.`,
      {
        details: [
          'It was aborted and its fee is owed back to you: call client.withdraw().',
          'Lower the requirements (minVram, gpu, version) or try again later.',
        ],
      },
    );
  }
}

/** The node did not report within the task type's execution timeout; the task was aborted (fee owed back). */
export class TaskTimeoutError extends VerinetError {
  override name = 'TaskTimeoutError' as const;
  constructor(taskKeys: readonly Hex[], resubmits: number) {
    super(`No node reported a result within the execution timeout (${taskKeys.length} on-chain task(s)).`, {
      details: [
        `Tasks: ${taskKeys.join(', ')}`,
        `Aborted after ${resubmits} resubmit(s); every fee is owed back: call client.withdraw().`,
        'Raise maxResubmits, or run again later.',
      ],
    });
  }
}

/**
 * The chain shows a member reported, but the RPC returned no report log for it (TaskScoreReady /
 * TaskErrorReported) for `waitedMs`: without the score the app can neither open a group nor check the result.
 * Nothing was lost: the report is on chain; `task resume` (or waitForReport) reads it again.
 */
export class ReportLogUnavailableError extends VerinetError {
  override name = 'ReportLogUnavailableError' as const;
  constructor(taskKey: Hex, fromBlock: string, waitedMs: number) {
    super(
      `The chain shows task ${taskKey} reported, but the RPC returned no report log for it from block ${fromBlock} to the latest (${Math.round(waitedMs / 1000)} s).`,
      {
        details: [
          'The RPC may prune old logs or cap eth_getLogs ranges, or lag behind the node that answered the state.',
          'Use an RPC that serves logs back to that block, then resume the task: its report is kept on chain.',
        ],
      },
    );
  }
}

/** The node reported that the arguments cannot run (invalid or incompatible models); the fee is refunded. */
export class TaskErrorReportedError extends VerinetError {
  override name = 'TaskErrorReportedError' as const;
  readonly code: number;
  constructor(taskKey: Hex, node: Address, code: number) {
    const meaning = code === 1 ? 'invalid arguments' : code === 2 ? 'incompatible models' : `code ${code}`;
    super(`The node ${node} reported that task ${taskKey} cannot run (${meaning}).`, {
      details: [
        'The report was accepted and the fee is owed back: call client.withdraw().',
        'Check the arguments against the worker version the network runs (docs/task-args.md, unsupported fields).',
      ],
    });
    this.code = code;
  }
}

/** A sampled task's validation group ended without two agreeing results: every fee is refunded. */
export class GroupNoAgreementError extends VerinetError {
  override name = 'GroupNoAgreementError' as const;
  constructor(taskKeys: readonly Hex[]) {
    super('The validation group found no two agreeing results; no result is released.', {
      details: [
        `Tasks: ${taskKeys.join(', ')}`,
        'Every fee is owed back: call client.withdraw(), then retry.',
      ],
    });
  }
}

/** Downloaded bytes do not match what the chain committed to: they are refused, never returned. */
export class ResultVerificationError extends VerinetError {
  override name = 'ResultVerificationError' as const;
  constructor(taskKey: Hex, problem: string) {
    super(`The result of task ${taskKey} does not match the chain: ${problem}.`, {
      details: [
        'The download was refused. The relay or the connection altered the data; the fee was paid for a',
        'correct result, which the relay still holds: retry the download (client.downloadResult(id)).',
      ],
    });
  }
}

/** No task with this id in the store. */
export class TaskNotFoundError extends VerinetError {
  override name = 'TaskNotFoundError' as const;
  constructor(id: string) {
    super(`No task ${id} in this client's store.`, {
      details: ['List known tasks with client.listTasks(); a memory store forgets tasks on restart.'],
    });
  }
}

/** The caller's AbortSignal fired: the SDK stopped waiting; the on-chain task carries on. */
export class TaskCancelledError extends VerinetError {
  override name = 'TaskCancelledError' as const;
  constructor(id: string) {
    super(`Stopped waiting for task ${id} (the signal was aborted).`, {
      details: [
        'The on-chain task carries on: resume it with client.runTask(params, { id }) or resumeTasks().',
      ],
    });
  }
}

/** The store failed; nothing was sent after the failed write. */
export class StoreError extends VerinetError {
  override name = 'StoreError' as const;
}
