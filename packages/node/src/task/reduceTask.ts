import type { Hex } from 'viem';
import type { TaskUpdate } from '../store/tasks.js';
import type { TaskOutcome, TaskRecord, TaskStep } from './types.js';

/** What happened to a task: the result of an action, or news from the chain. */
export type TaskInput =
  | { type: 'argsFetched'; argsPath: string; salt: Hex; argsCommitment: Hex; deadlineAt: number }
  /**
   * The task holds a result from its earlier life on this node (a reorganization undid its report and end, and the
   * draw named this node again) whose stored arguments open the chain's commitment: upload and report it again.
   */
  | { type: 'resultKept'; argsCommitment: Hex; deadlineAt: number }
  | { type: 'modelsReady' }
  | { type: 'executed'; outputDir: string; score: Hex; resultFiles: string }
  | { type: 'workerFailed'; kind: string; message: string }
  | { type: 'resultUploaded'; signature: Hex }
  /** The chain refused the relay's statement (e.g. the relay key was rotated): commit again for a new one. */
  | { type: 'statementRejected'; message: string }
  /**
   * The chain shows the node's report (score or error), from a receipt or an event. `followAfterMs`: the first
   * look at the task waits this long (its validation window has just opened: the app's validation comes as an event).
   */
  | { type: 'reported'; followAfterMs?: number | undefined }
  | { type: 'ended'; outcome: TaskOutcome; fee: bigint | null }
  /**
   * A transient failure of the current step: try again after `backoffMs`. `attempts` sets the count of failed
   * attempts (a count of its own, e.g. the follows that wait for an undone report), else it grows by one.
   */
  | { type: 'failedRetryable'; message: string; backoffMs: number; attempts?: number | undefined }
  /**
   * The chain went back under the node's report and it did not land again while the task is still Started on
   * this node: report again (`again`, before the deadline), else end it at its timeout (abortTimedOut).
   */
  | { type: 'reportUndone'; again: boolean; message: string }
  /** Something that no retry can fix and that is nobody's provable fault: let the task time out. */
  | { type: 'abandon'; message: string }
  /** The chain says the task is not (or no longer) this node's, e.g. its TaskStarted was reorganized away. */
  | { type: 'lost'; message: string };

const preReport: ReadonlySet<TaskStep> = new Set([
  'assigned',
  'args_ready',
  'models_ready',
  'executed',
  'result_uploaded',
  'invalid_args',
  'abandoned',
]);

/**
 * The task state machine: pure, no I/O. Returns the fields to write, or null when the input does not apply
 * in the task's step (a stale or repeated input: every input is idempotent). A step change resets the retry
 * counters.
 *
 * @example
 * const update = reduceTask(task, { type: 'modelsReady' }, Date.now());
 * if (update) updateTask(store, task.taskKey, update);
 */
export function reduceTask(task: TaskRecord, input: TaskInput, now: number): TaskUpdate | null {
  const to = (step: TaskStep, extra: TaskUpdate = {}): TaskUpdate => ({
    step,
    attempts: 0,
    lastError: null,
    nextAttemptAt: 0,
    ...extra,
  });
  if (task.step === 'ended') return null;
  switch (input.type) {
    case 'argsFetched':
      if (task.step !== 'assigned') return null;
      return to('args_ready', {
        argsPath: input.argsPath,
        salt: input.salt,
        argsCommitment: input.argsCommitment,
        deadlineAt: input.deadlineAt,
      });
    case 'resultKept':
      if (task.step !== 'assigned') return null;
      return to('executed', {
        argsCommitment: input.argsCommitment,
        deadlineAt: input.deadlineAt,
        resultSignature: null,
      });
    case 'modelsReady':
      return task.step === 'args_ready' ? to('models_ready') : null;
    case 'executed':
      if (task.step !== 'models_ready') return null;
      return to('executed', {
        outputDir: input.outputDir,
        score: input.score,
        resultFiles: input.resultFiles,
      });
    case 'workerFailed':
      if (task.step !== 'models_ready') return null;
      // Only invalid arguments are reported on chain: every honest node reaches the same verdict on the same
      // bytes. Crashes, out-of-memory, missing models and the like let the task time out (PROTOCOL.md).
      if (input.kind === 'invalid_args')
        return to('invalid_args', { errorKind: input.kind, lastError: input.message });
      return to('abandoned', { errorKind: input.kind, lastError: input.message });
    case 'resultUploaded':
      return task.step === 'executed' ? to('result_uploaded', { resultSignature: input.signature }) : null;
    case 'statementRejected':
      if (task.step !== 'result_uploaded') return null;
      return to('executed', { resultSignature: null, attempts: task.attempts + 1, lastError: input.message });
    case 'reported':
      if (!preReport.has(task.step)) return null;
      return to('reported', { nextAttemptAt: input.followAfterMs ? now + input.followAfterMs : 0 });
    case 'ended':
      return {
        step: 'ended',
        outcome: input.outcome,
        fee: input.fee === null ? task.fee : input.fee.toString(),
        nextAttemptAt: 0,
      };
    case 'failedRetryable':
      return {
        attempts: input.attempts ?? task.attempts + 1,
        lastError: input.message,
        nextAttemptAt: now + input.backoffMs,
      };
    case 'reportUndone': {
      if (task.step !== 'reported') return null;
      if (!input.again) return to('abandoned', { lastError: input.message });
      if (task.errorKind === 'invalid_args') return to('invalid_args', { lastError: input.message });
      // The score and the relay's statement are kept: submitScore again (the statement is asked for anew if
      // the task has none).
      return to(task.resultSignature ? 'result_uploaded' : 'executed', { lastError: input.message });
    }
    case 'abandon':
      if (!preReport.has(task.step) || task.step === 'abandoned') return null;
      return to('abandoned', { lastError: input.message });
    case 'lost':
      return { step: 'ended', outcome: 'lost', lastError: input.message, nextAttemptAt: 0 };
  }
}

/** The action that takes a task out of its step. */
export type TaskAction =
  | 'fetchArgs'
  | 'ensureModels'
  | 'execute'
  | 'uploadResult'
  | 'submitScore'
  | 'reportError'
  | 'follow'
  | 'abortTimedOut';

const actions: Record<Exclude<TaskStep, 'ended'>, TaskAction> = {
  assigned: 'fetchArgs',
  args_ready: 'ensureModels',
  models_ready: 'execute',
  executed: 'uploadResult',
  result_uploaded: 'submitScore',
  invalid_args: 'reportError',
  reported: 'follow',
  abandoned: 'abortTimedOut',
};

/** The next action of a task, or null when it is ended or waiting for its retry time. */
export function getTaskAction(task: TaskRecord, now: number): TaskAction | null {
  if (task.step === 'ended') return null;
  if (task.nextAttemptAt > now) return null;
  return actions[task.step];
}

/** Exponential backoff for retries of one step: 1 s, 2 s, 4 s … capped at `maxMs`. */
export function getBackoffMs(attempts: number, maxMs = 60_000, baseMs = 1_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 16));
}
