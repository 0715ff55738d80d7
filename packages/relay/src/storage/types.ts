import type { Readable } from 'node:stream';
import type { Address, Hex } from 'viem';

/** Arguments held for a creator, keyed by their commitment. */
export type ArgsRecord = {
  argsCommitment: Hex;
  creator: Address;
  salt: Hex;
  argsHash: Hex;
  taskType: 'sd' | 'llm' | 'sd_ft';
  size: number;
  objectKey: string;
  /** Unix seconds: the ArgsAvailable statement's expiry. */
  expiry: number;
  createdAt: number;
};

/** A task the relay has seen on chain, linked to the arguments it holds. */
export type TaskRecord = {
  taskKey: Hex;
  argsCommitment: Hex;
  creator: Address;
  taskType: 'sd' | 'llm' | 'sd_ft';
  /** Unix seconds at which the relay first saw the task in a terminal state; null while live. */
  terminalAt: number | null;
};

export type FileRecord = { name: string; objectKey: string; size: number; sha256: Hex };

export type ResultRecord = { taskKey: Hex; score: Hex; committedAt: number; files: FileRecord[] };

/** Limits on arguments held without a task (nobody paid for them on chain yet). */
export type ArgsQuota = {
  /** Pending uploads one established creator (a task of theirs is known) may hold. */
  perCreatorCount: number;
  /** Pending bytes one established creator may hold. */
  perCreatorBytes: number;
  /** Pending bytes all creators together may hold (bounds the disk). */
  totalBytes: number;
  /** Pending uploads one new creator (no task of theirs known: fresh keys are free) may hold. */
  newCreatorCount: number;
  /** Pending bytes one new creator may hold. */
  newCreatorBytes: number;
  /** Pending bytes all new creators together may hold: what any number of fresh keys can fill at most. */
  newCreatorsTotalBytes: number;
};

/** Pending (not linked to a task) argument uploads. */
export type ArgsUsage = {
  creatorCount: number;
  creatorBytes: number;
  totalBytes: number;
  /** Whether the relay knows a task of this creator (linked to arguments it holds). */
  established: boolean;
  /** Pending bytes of all creators without a known task. */
  newCreatorsBytes: number;
};

export type InsertArgsReturnType =
  | { inserted: boolean; record: ArgsRecord; refused?: undefined }
  /** The quota was full: nothing was inserted. */
  | { inserted: false; record?: undefined; refused: ArgsUsage };

export type UpsertStagedReturnType =
  /** Stored; `replaced` is the object of the earlier file of that name, no longer referenced. */
  | { staged: true; replaced: string | undefined }
  /** The task's result is already committed: nothing changed (delete the new object). */
  | { staged: false; replaced?: undefined };

export type CommitResultReturnType =
  | { committed: true; unreferenced: string[] }
  /** `exists`: a result was committed before; `changed`: the staged files are not the ones checked. */
  | { committed: false; reason: 'exists' | 'changed'; unreferenced: string[] };

/**
 * Metadata of the relay: small rows in one transactional database (SQLite or PostgreSQL). Every method is
 * atomic on its own; objects it names are written (durably) before the row that references them.
 */
export type MetaStore = {
  /** Remembers a signed request's digest until `expiresAt`; false when it was already used (a replay). */
  claimRequest(digest: Hex, expiresAt: number): Promise<boolean>;
  getArgs(argsCommitment: Hex): Promise<ArgsRecord | undefined>;
  /**
   * Inserts unless a row exists and returns the row that is there afterwards (the caller's or an earlier
   * one); refuses, atomically with the insert, when the new row would exceed `quota`.
   */
  insertArgs(record: ArgsRecord, quota: ArgsQuota): Promise<InsertArgsReturnType>;
  /** Pending uploads of `creator` and of everyone (the quota's inputs). */
  getArgsUsage(creator: Address): Promise<ArgsUsage>;
  /** Moves a held upload's expiry to at least `expiry`; undefined when the row is gone. */
  refreshArgsExpiry(argsCommitment: Hex, expiry: number): Promise<ArgsRecord | undefined>;
  getTask(taskKey: Hex): Promise<TaskRecord | undefined>;
  insertTask(record: TaskRecord): Promise<void>;
  markTerminal(taskKey: Hex, at: number): Promise<void>;
  /** Staged (uploaded, not committed) result files of a task. */
  listStaged(taskKey: Hex): Promise<FileRecord[]>;
  /**
   * Puts a staged file in place of any earlier one of that name, unless the task's result is committed; in one
   * transaction with (serialized against) {@link MetaStore.commitResult} of the same task.
   */
  upsertStaged(taskKey: Hex, file: FileRecord): Promise<UpsertStagedReturnType>;
  getResult(taskKey: Hex): Promise<ResultRecord | undefined>;
  /**
   * Commits `result.files` as the task's result, in one transaction, only when they are exactly the staged rows
   * (same names and objects: a parallel re-upload between the check and the commit refuses it). Staged rows of
   * the task are removed; returns the staged objects that are no longer referenced.
   */
  commitResult(result: ResultRecord): Promise<CommitResultReturnType>;
  /** Pre-task argument uploads whose expiry is before `before` and that no task links to. */
  listExpiredArgs(before: number): Promise<ArgsRecord[]>;
  /** Linked tasks not yet known to be terminal, by task key after `after` (the retention job pages them). */
  listLiveTasks(limit: number, after?: Hex): Promise<TaskRecord[]>;
  /** Tasks that turned terminal before `before`. */
  listRetiredTasks(before: number, limit: number): Promise<TaskRecord[]>;
  /** Deletes a task's rows (and its arguments when no other task uses them); returns the objects to delete. */
  deleteTask(taskKey: Hex): Promise<string[]>;
  /** Deletes a pre-task upload if it still expired before `before` and no task links to it; its objects. */
  deleteExpiredArgs(argsCommitment: Hex, before: number): Promise<string[]>;
  /** Whether any row references the object (orphan sweep). */
  isReferenced(objectKey: string): Promise<boolean>;
  getCursor(name: string): Promise<bigint | undefined>;
  setCursor(name: string, value: bigint): Promise<void>;
  pruneRequests(before: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
};

/** `key`: where the object is stored, to be recorded in rows (the key given, or one naming its place in a pack). */
export type PutObjectReturnType = { size: number; sha256: Hex; key: string };

/** Immutable blobs (arguments, result files) under unique keys; writes are all-or-nothing. */
export type ObjectStore = {
  /**
   * Streams `body` into a new object named `key`. Rejects (leaving nothing referenced behind) when the stream
   * errors, exceeds `maxBytes`, or, given `expectedSha256`, hashes differently. Rows must record the returned
   * `key` (a store may extend the name with the object's place).
   */
  put(
    key: string,
    body: Readable,
    options: {
      maxBytes: number;
      expectedSha256?: Hex | undefined;
      size?: number | undefined;
      /**
       * false: the object may be acknowledged once written (kept by the OS: safe against a killed process, not
       * a power loss) and made durable later by {@link ObjectStore.sync}. Default true: durable on return.
       */
      durable?: boolean | undefined;
    },
  ): Promise<PutObjectReturnType>;
  /**
   * Makes objects put with `durable: false` durable (a barrier: on return they survive a power loss). Concurrent
   * calls share the underlying flushes where they can; a store whose puts are always durable does nothing.
   */
  sync(keys: readonly string[]): Promise<void>;
  get(key: string): Promise<Readable>;
  getBytes(key: string, maxBytes: number): Promise<Uint8Array>;
  delete(key: string): Promise<void>;
  /** Keys of objects older than `olderThanMs`, in key order after `after`, for the orphan sweep (it pages). */
  listOlderThan(olderThanMs: number, limit: number, after?: string): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
};

export type RelayStorage = { meta: MetaStore; objects: ObjectStore; kind: 'sqlite' | 'postgres' };

/** Thrown by ObjectStore.put for a body above `maxBytes`, or whose hash differs. */
export class ObjectPutError extends Error {
  override name = 'ObjectPutError';
  constructor(
    readonly reason: 'too_large' | 'hash_mismatch' | 'aborted' | 'length_mismatch' | 'stalled',
    message: string,
  ) {
    super(message);
  }
}

/** The `hash_mismatch` error of a put whose body hashed to `sha256` when `expected` was asked (none: undefined). */
export function getHashMismatch(sha256: Hex, expected: Hex | undefined): ObjectPutError | undefined {
  return expected !== undefined && sha256 !== expected.toLowerCase()
    ? new ObjectPutError('hash_mismatch', `the body hashes to ${sha256}, not ${expected}`)
    : undefined;
}

/** Thrown by ObjectStore.get / getBytes when the object is not (or no longer wholly) there. */
export class ObjectMissingError extends Error {
  override name = 'ObjectMissingError';
}
