import type { Address, Hex } from 'viem';
import type { ArgsRecord, FileRecord, TaskRecord } from './types.js';

/**
 * Rows as both meta stores read them (same column names in SQLite and PostgreSQL). Integer columns are numbers
 * in SQLite and BIGINT strings in PostgreSQL: the mappers take either.
 */
type Integer = number | string;

export type ArgsRow = {
  args_commitment: string;
  creator: string;
  salt: string;
  args_hash: string;
  task_type: string;
  size: Integer;
  object_key: string;
  expiry: Integer;
  created_at: Integer;
};

export type TaskRow = {
  task_key: string;
  args_commitment: string;
  creator: string;
  task_type: string;
  terminal_at: Integer | null;
};

export type FileRow = { name: string; object_key: string; size: Integer; sha256: string };

export function toArgsRecord(r: ArgsRow): ArgsRecord {
  return {
    argsCommitment: r.args_commitment as Hex,
    creator: r.creator as Address,
    salt: r.salt as Hex,
    argsHash: r.args_hash as Hex,
    taskType: r.task_type as ArgsRecord['taskType'],
    size: Number(r.size),
    objectKey: r.object_key,
    expiry: Number(r.expiry),
    createdAt: Number(r.created_at),
  };
}

export function toTaskRecord(r: TaskRow): TaskRecord {
  return {
    taskKey: r.task_key as Hex,
    argsCommitment: r.args_commitment as Hex,
    creator: r.creator as Address,
    taskType: r.task_type as TaskRecord['taskType'],
    terminalAt: r.terminal_at === null ? null : Number(r.terminal_at),
  };
}

export function toFileRecord(r: FileRow): FileRecord {
  return { name: r.name, objectKey: r.object_key, size: Number(r.size), sha256: r.sha256 as Hex };
}
