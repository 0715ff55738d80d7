import type { Hex } from 'viem';
import type { TaskOutcome, TaskRecord, TaskStep } from '../task/types.js';
import { type NodeStore, prepareCached } from './openStore.js';

type TaskRow = {
  task_key: string;
  task_type: number;
  step: string;
  started_block: number;
  args_commitment: string | null;
  salt: string | null;
  args_path: string | null;
  output_dir: string | null;
  score: string | null;
  result_files: string | null;
  error_kind: string | null;
  outcome: string | null;
  fee: string | null;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  deadline_at: number | null;
  result_signature: string | null;
  ended_block: number | null;
  created_at: number;
  updated_at: number;
};

function fromRow(row: TaskRow): TaskRecord {
  return {
    taskKey: row.task_key as Hex,
    taskType: row.task_type,
    step: row.step as TaskStep,
    startedBlock: row.started_block,
    argsCommitment: row.args_commitment as Hex | null,
    salt: row.salt as Hex | null,
    argsPath: row.args_path,
    outputDir: row.output_dir,
    score: row.score as Hex | null,
    resultFiles: row.result_files,
    errorKind: row.error_kind,
    outcome: row.outcome as TaskOutcome | null,
    fee: row.fee,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    deadlineAt: row.deadline_at,
    resultSignature: row.result_signature as Hex | null,
    endedBlock: row.ended_block,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The task, or undefined when this node never had it. */
export function getTask(store: NodeStore, taskKey: Hex): TaskRecord | undefined {
  const row = prepareCached(store, 'SELECT * FROM tasks WHERE task_key = ?').get(taskKey.toLowerCase()) as
    | TaskRow
    | undefined;
  return row ? fromRow(row) : undefined;
}

/** Tasks that are not ended, oldest first. */
export function listOpenTasks(store: NodeStore): TaskRecord[] {
  const rows = prepareCached(
    store,
    "SELECT * FROM tasks WHERE step != 'ended' ORDER BY started_block, created_at",
  ).all() as TaskRow[];
  return rows.map(fromRow);
}

/** The most recently updated tasks (dashboard). */
export function listRecentTasks(store: NodeStore, limit: number): TaskRecord[] {
  const rows = prepareCached(store, 'SELECT * FROM tasks ORDER BY updated_at DESC LIMIT ?').all(
    limit,
  ) as TaskRow[];
  return rows.map(fromRow);
}

export type InsertTaskParameters = {
  taskKey: Hex;
  taskType: number;
  startedBlock: number;
  argsCommitment: Hex | null;
  now?: number | undefined;
};

/**
 * Records a task this node was given. Idempotent: seeing the same TaskStarted again (a restart, a re-scan
 * after a reorg) keeps the existing row and its progress. Returns whether the row is new.
 */
export function insertTask(store: NodeStore, parameters: InsertTaskParameters): boolean {
  const now = parameters.now ?? Date.now();
  const result = prepareCached(
    store,
    `INSERT INTO tasks (task_key, task_type, step, started_block, args_commitment, created_at, updated_at)
       VALUES (?, ?, 'assigned', ?, ?, ?, ?) ON CONFLICT (task_key) DO NOTHING`,
  ).run(
    parameters.taskKey.toLowerCase(),
    parameters.taskType,
    parameters.startedBlock,
    parameters.argsCommitment?.toLowerCase() ?? null,
    now,
    now,
  );
  return result.changes === 1;
}

const columns: Record<keyof Omit<TaskRecord, 'taskKey' | 'createdAt'>, string> = {
  taskType: 'task_type',
  step: 'step',
  startedBlock: 'started_block',
  argsCommitment: 'args_commitment',
  salt: 'salt',
  argsPath: 'args_path',
  outputDir: 'output_dir',
  score: 'score',
  resultFiles: 'result_files',
  errorKind: 'error_kind',
  outcome: 'outcome',
  fee: 'fee',
  attempts: 'attempts',
  lastError: 'last_error',
  nextAttemptAt: 'next_attempt_at',
  deadlineAt: 'deadline_at',
  resultSignature: 'result_signature',
  endedBlock: 'ended_block',
  updatedAt: 'updated_at',
};

export type TaskUpdate = Partial<Omit<TaskRecord, 'taskKey' | 'createdAt'>>;

/** Writes the given fields of a task (one committed transaction). */
export function updateTask(store: NodeStore, taskKey: Hex, update: TaskUpdate, now = Date.now()): void {
  const entries = Object.entries({ ...update, updatedAt: now }).filter(([, v]) => v !== undefined);
  const assignments = entries.map(([key]) => `${columns[key as keyof typeof columns]} = ?`).join(', ');
  prepareCached(store, `UPDATE tasks SET ${assignments} WHERE task_key = ?`).run(
    ...entries.map(([, v]) => v as string | number | null),
    taskKey.toLowerCase(),
  );
}

/**
 * After a reorganization replaced the blocks above `blockNumber`: a task that ended here but was started in a
 * replaced block may be live again on the chain that stands (its draw, report and end undone), and drawn onto this
 * node again, maybe at the same height: it is marked lost, which a new TaskStarted for it restarts from its first
 * step (applyChainLogs). One that the new blocks end again the same way (the same transactions re-mined) is
 * restarted and ended again within the same batch of logs, before the task loop runs. Returns how many.
 */
export function markReplacedEndsLost(store: NodeStore, blockNumber: number, now = Date.now()): number {
  return prepareCached(
    store,
    `UPDATE tasks SET outcome = 'lost', updated_at = ?
       WHERE step = 'ended' AND started_block > ? AND (outcome IS NULL OR outcome != 'lost')`,
  ).run(now, blockNumber).changes;
}

/**
 * After a reorganization replaced the blocks above `blockNumber`: a task started at or below it (its draw stands)
 * that ended in a replaced block, or whose end no TaskEnd* event has dated yet (`ended_block` null: seen ended by a
 * read of the chain, maybe in a replaced block), is open again on the chain that stands unless the new blocks end
 * it again. It goes back to the step that follows it on the chain: `reported` when this node reported it (score
 * or invalid arguments), else `abandoned` (ended at its timeout). That step's action reads the chain first: ended
 * there (the same end re-mined) ends it again; still reported, it is finalized after the validation window; a
 * report undone too is restored or sent again (the score and the relay's statement are kept); another node's or
 * gone, lost. Tasks started above `blockNumber` are markReplacedEndsLost's. Returns how many.
 */
export function reopenReplacedEnds(store: NodeStore, blockNumber: number, now = Date.now()): number {
  return prepareCached(
    store,
    `UPDATE tasks SET
       step = CASE WHEN score IS NOT NULL OR error_kind = 'invalid_args' THEN 'reported' ELSE 'abandoned' END,
       outcome = NULL, fee = NULL, ended_block = NULL, attempts = 0, next_attempt_at = 0,
       last_error = 'its end was in a block a reorganization replaced: following it on the chain again',
       updated_at = ?
     WHERE step = 'ended' AND started_block <= ? AND (outcome IS NULL OR outcome != 'lost')
       AND (ended_block IS NULL OR ended_block > ?)`,
  ).run(now, blockNumber, blockNumber).changes;
}
