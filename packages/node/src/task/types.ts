import type { Hex } from 'viem';

/**
 * Where a task stands on this node. Each step names what is already done and durable; the action that
 * leads out of it is idempotent, so a node killed anywhere redoes at most the one action it was in.
 */
export const taskSteps = [
  /** TaskStarted named this node. Next: fetch the arguments from the relay. */
  'assigned',
  /** Argument bytes stored and checked against the on-chain commitment. Next: make sure the models are here. */
  'args_ready',
  /** Models present. Next: run the worker. */
  'models_ready',
  /** Worker result (files and score) stored. Next: upload the result to the relay. */
  'executed',
  /** The relay holds the result. Next: submit the score on chain. */
  'result_uploaded',
  /** The worker said the arguments are invalid. Next: report the error on chain. */
  'invalid_args',
  /** Score or error report confirmed on chain. Next: follow the task to its end (finalize if nobody does). */
  'reported',
  /** Given up without blaming anybody (crash, missing model, network): the task times out on chain. */
  'abandoned',
  /** Terminal: the chain says the task ended (`outcome`). */
  'ended',
] as const;

export type TaskStep = (typeof taskSteps)[number];

export type TaskOutcome =
  | 'success'
  | 'group_success'
  | 'group_refund'
  | 'invalidated'
  | 'aborted'
  | 'error_accepted'
  | 'lost';

export type TaskRecord = {
  taskKey: Hex;
  /** 0 SD, 1 LLM, 2 SD_FT (the chain's numbering). */
  taskType: number;
  step: TaskStep;
  /** Block of the TaskStarted event that gave the task to this node. */
  startedBlock: number;
  argsCommitment: Hex | null;
  salt: Hex | null;
  argsPath: string | null;
  outputDir: string | null;
  /** Score as submitted on chain (0x hex). */
  score: Hex | null;
  /** JSON list of the result files (name, size, sha256). */
  resultFiles: string | null;
  /** Worker error kind that ended execution, if any. */
  errorKind: string | null;
  outcome: TaskOutcome | null;
  /** Fee in wei as a decimal string (paid to this node's beneficiary on success). */
  fee: string | null;
  /** Failed attempts of the current step (reset when the step changes). */
  attempts: number;
  lastError: string | null;
  /** Unix ms before which the current step is not retried. */
  nextAttemptAt: number;
  /** Unix seconds after which the chain lets anybody abort the task (execution timeout), once known. */
  deadlineAt: number | null;
  /**
   * The relay's EIP-712 `ResultAvailable(taskKey, keccak256(score))` signature, from its answer to the result
   * commit; `submitScore` carries it (`0x` when the chain has no relay signer).
   */
  resultSignature: Hex | null;
  /**
   * Block of the TaskEnd* event that ended the task, once the chain watcher read it (null while open, and for an
   * end only seen by reading the task's state: the event's block is recorded when the watcher reaches it).
   */
  endedBlock: number | null;
  createdAt: number;
  updatedAt: number;
};

export const terminalSteps: ReadonlySet<TaskStep> = new Set(['ended']);
