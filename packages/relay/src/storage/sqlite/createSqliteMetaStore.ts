import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Hex } from 'viem';
import { getArgsQuotaRefusal } from '../getArgsQuotaRefusal.js';
import {
  type ArgsRow,
  type FileRow,
  type TaskRow,
  toArgsRecord,
  toFileRecord,
  toTaskRecord,
} from '../rows.js';
import type { ArgsRecord, ArgsUsage, FileRecord, MetaStore, TaskRecord } from '../types.js';

const schema = `
CREATE TABLE IF NOT EXISTS request_claims (digest BLOB PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS args (
  args_commitment TEXT PRIMARY KEY, creator TEXT NOT NULL, salt TEXT NOT NULL, args_hash TEXT NOT NULL,
  task_type TEXT NOT NULL, size INTEGER NOT NULL, object_key TEXT NOT NULL, expiry INTEGER NOT NULL,
  created_at INTEGER NOT NULL, linked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS args_creator ON args (creator);
CREATE TABLE IF NOT EXISTS tasks (
  task_key TEXT PRIMARY KEY, args_commitment TEXT NOT NULL, creator TEXT NOT NULL, task_type TEXT NOT NULL,
  terminal_at INTEGER);
CREATE INDEX IF NOT EXISTS tasks_args ON tasks (args_commitment);
CREATE INDEX IF NOT EXISTS tasks_creator ON tasks (creator);
CREATE TABLE IF NOT EXISTS staged_files (
  task_key TEXT NOT NULL, name TEXT NOT NULL, object_key TEXT NOT NULL, size INTEGER NOT NULL,
  sha256 TEXT NOT NULL, PRIMARY KEY (task_key, name));
CREATE TABLE IF NOT EXISTS results (task_key TEXT PRIMARY KEY, score TEXT NOT NULL, committed_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS result_files (
  task_key TEXT NOT NULL, name TEXT NOT NULL, object_key TEXT NOT NULL, size INTEGER NOT NULL,
  sha256 TEXT NOT NULL, PRIMARY KEY (task_key, name));
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const toArgs = toArgsRecord;
const toTask = toTaskRecord;
const toFile = toFileRecord;

/**
 * Relay metadata in SQLite (WAL). Writes that a statement will vouch for go through a connection with
 * `synchronous=FULL` (durable at commit, even on power loss); the replay cache through one with `NORMAL`
 * (durable against a killed process, which is what a 60-second cache needs, and ten times cheaper).
 *
 * @example
 * const meta = createSqliteMetaStore('/var/lib/verinet-relay/relay.db');
 */
export function createSqliteMetaStore(path: string): MetaStore {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  // `args.linked` (session 11): whether a task row names the upload, kept with the task rows, so the pending-upload
  // quota sums the few unlinked uploads through a partial index instead of scanning every upload ever held (two
  // scans of the whole table per upload before). A database from before gets the column, filled from its tasks.
  db.transaction(() => {
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(args)').all();
    if (!columns.some((c) => c.name === 'linked')) {
      db.exec(`ALTER TABLE args ADD COLUMN linked INTEGER NOT NULL DEFAULT 0;
               UPDATE args SET linked = EXISTS (SELECT 1 FROM tasks WHERE tasks.args_commitment = args.args_commitment);`);
    }
    db.exec('CREATE INDEX IF NOT EXISTS args_pending ON args (creator, size) WHERE linked = 0');
  }).immediate();
  // Before session 5 claims were hex TEXT with an expiry index (twice the bytes, two B-trees per insert); the
  // claims still inside their window move over, so an upgrade never reopens a replay.
  db.transaction(() => {
    const old = db
      .prepare<[], { n: number }>(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'requests'",
      )
      .get();
    if (!old?.n) return;
    db.exec(`INSERT OR IGNORE INTO request_claims (digest, expires_at)
             SELECT unhex(substr(digest, 3)), expires_at FROM requests WHERE length(digest) = 66;
             DROP TABLE requests;`);
  }).immediate();
  const fast = new Database(path);
  fast.pragma('synchronous = NORMAL');
  fast.pragma('busy_timeout = 5000');

  // Replay claims on a connection of their own that never sleeps in SQLite's busy handler: when another relay
  // process (workers) holds the write lock, the batch waits for a later event-loop turn instead of blocking
  // this process's requests for a millisecond or more (the handler's first sleep) behind a ~50 µs transaction.
  const claimer = new Database(path);
  claimer.pragma('synchronous = NORMAL');
  claimer.pragma('busy_timeout = 0');
  // Digests as 32-byte BLOBs in one B-tree (no expiry index: pruning once a retention pass scans the table,
  // while every signed request inserts): about half the cost of a claim.
  const claim = claimer.prepare('INSERT OR IGNORE INTO request_claims (digest, expires_at) VALUES (?, ?)');
  const pruneRequests = fast.prepare('DELETE FROM request_claims WHERE expires_at < ?');
  const getArgs = db.prepare<[string], ArgsRow>('SELECT * FROM args WHERE args_commitment = ?');
  const insertArgs = db.prepare(
    `INSERT OR IGNORE INTO args (args_commitment, creator, salt, args_hash, task_type, size, object_key, expiry, created_at, linked)
     VALUES (@argsCommitment, @creator, @salt, @argsHash, @taskType, @size, @objectKey, @expiry, @createdAt,
     EXISTS (SELECT 1 FROM tasks WHERE tasks.args_commitment = @argsCommitment))`,
  );
  // Pending uploads (no task names them): `linked = 0`, read through the partial index args_pending.
  const pendingOf = db.prepare<[string], { n: number; b: number }>(
    'SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS b FROM args WHERE creator = ? AND linked = 0',
  );
  const pendingTotal = db.prepare<[], { b: number }>(
    'SELECT COALESCE(SUM(size), 0) AS b FROM args WHERE linked = 0',
  );
  const isEstablished = db.prepare<[string], { e: number }>(
    'SELECT EXISTS (SELECT 1 FROM tasks WHERE creator = ?) AS e',
  );
  const pendingOfNew = db.prepare<[], { b: number }>(
    `SELECT COALESCE(SUM(size), 0) AS b FROM args WHERE linked = 0
     AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.creator = args.creator)`,
  );
  const refreshExpiry = db.prepare('UPDATE args SET expiry = MAX(expiry, ?) WHERE args_commitment = ?');
  const deleteExpiredArgs = db.prepare(
    `DELETE FROM args WHERE args_commitment = ? AND expiry < ? AND NOT EXISTS
     (SELECT 1 FROM tasks WHERE tasks.args_commitment = args.args_commitment) RETURNING object_key`,
  );
  const getTask = db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE task_key = ?');
  // A task's link to its arguments and its terminal mark are derived from the chain (its TaskCreated event, its
  // state) and the arguments row, and no statement vouches for them: on the NORMAL connection (durable against a
  // killed process; no WAL fsync on the event loop per new task). A power loss may drop the last such rows, and
  // only them: the WAL is a log, so any later FULL commit (an upload's, a result's, retention's cursor) syncs them
  // too. A dropped link is made again on the task's next request (getTaskArgs) or by retention, which links every
  // TaskCreated event after its cursor, and the cursor is committed after the links it covers; a dropped terminal
  // mark by retention's next pass (the task still reads terminal on chain). Meanwhile the upload counts as pending
  // in the quota, or the task's data waits one more pass: never anything deleted early.
  const insertTask = fast.prepare(
    `INSERT OR IGNORE INTO tasks (task_key, args_commitment, creator, task_type, terminal_at)
     VALUES (@taskKey, @argsCommitment, @creator, @taskType, @terminalAt)`,
  );
  const linkArgs = fast.prepare('UPDATE args SET linked = 1 WHERE args_commitment = ? AND linked = 0');
  const insertTaskTx = fast.transaction((record: TaskRecord) => {
    insertTask.run(record);
    linkArgs.run(record.argsCommitment);
  });
  const markTerminal = fast.prepare(
    'UPDATE tasks SET terminal_at = ? WHERE task_key = ? AND terminal_at IS NULL',
  );
  const listStaged = db.prepare<[string], FileRow>(
    'SELECT name, object_key, size, sha256 FROM staged_files WHERE task_key = ? ORDER BY name',
  );
  // Staged files are not vouched for by any statement (the commit copies them into result_files in a FULL
  // transaction, whose WAL sync also covers these earlier frames): NORMAL, durable against a killed process.
  const upsertStaged = fast.prepare(
    `INSERT INTO staged_files (task_key, name, object_key, size, sha256) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (task_key, name) DO UPDATE SET object_key = excluded.object_key, size = excluded.size,
     sha256 = excluded.sha256`,
  );
  const getResult = db.prepare<[string], { score: string; committed_at: number }>(
    'SELECT score, committed_at FROM results WHERE task_key = ?',
  );
  const listResultFiles = db.prepare<[string], FileRow>(
    'SELECT name, object_key, size, sha256 FROM result_files WHERE task_key = ? ORDER BY name',
  );
  const insertResult = db.prepare(
    'INSERT OR IGNORE INTO results (task_key, score, committed_at) VALUES (?, ?, ?)',
  );
  const insertResultFile = db.prepare(
    'INSERT INTO result_files (task_key, name, object_key, size, sha256) VALUES (?, ?, ?, ?, ?)',
  );
  const deleteStaged = db.prepare('DELETE FROM staged_files WHERE task_key = ?');
  const listExpiredArgs = db.prepare<[number], ArgsRow>(
    `SELECT * FROM args WHERE expiry < ? AND NOT EXISTS
     (SELECT 1 FROM tasks WHERE tasks.args_commitment = args.args_commitment) LIMIT 1000`,
  );
  const listLive = db.prepare<[string, number], TaskRow>(
    'SELECT * FROM tasks WHERE terminal_at IS NULL AND task_key > ? ORDER BY task_key LIMIT ?',
  );
  const listRetired = db.prepare<[number, number], TaskRow>(
    'SELECT * FROM tasks WHERE terminal_at IS NOT NULL AND terminal_at < ? LIMIT ?',
  );
  const objectsOfTask = db.prepare<[string, string], { object_key: string }>(
    `SELECT object_key FROM staged_files WHERE task_key = ? UNION ALL
     SELECT object_key FROM result_files WHERE task_key = ?`,
  );
  const countArgsUsers = db.prepare<[string, string], { n: number }>(
    'SELECT COUNT(*) AS n FROM tasks WHERE args_commitment = ? AND task_key != ?',
  );
  const deleteTaskRows = [
    db.prepare('DELETE FROM staged_files WHERE task_key = ?'),
    db.prepare('DELETE FROM result_files WHERE task_key = ?'),
    db.prepare('DELETE FROM results WHERE task_key = ?'),
    db.prepare('DELETE FROM tasks WHERE task_key = ?'),
  ];
  const deleteArgsRow = db.prepare('DELETE FROM args WHERE args_commitment = ?');
  const referenced = db.prepare<[string, string, string], { n: number }>(
    `SELECT (SELECT COUNT(*) FROM args WHERE object_key = ?) + (SELECT COUNT(*) FROM staged_files WHERE object_key = ?)
     + (SELECT COUNT(*) FROM result_files WHERE object_key = ?) AS n`,
  );
  const getCursor = db.prepare<[string], { value: string }>('SELECT value FROM cursors WHERE name = ?');
  const setCursor = db.prepare(
    'INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  );

  const usage = (creator: string): ArgsUsage => {
    const mine = pendingOf.get(creator)!;
    return {
      creatorCount: mine.n,
      creatorBytes: mine.b,
      totalBytes: pendingTotal.get()!.b,
      established: isEstablished.get(creator)!.e === 1,
      newCreatorsBytes: pendingOfNew.get()!.b,
    };
  };
  const insertArgsTx = db.transaction((record: ArgsRecord, quota: Parameters<MetaStore['insertArgs']>[1]) => {
    const existing = getArgs.get(record.argsCommitment);
    if (existing) return { inserted: false, record: toArgs(existing) };
    const used = usage(record.creator);
    if (getArgsQuotaRefusal(used, record.size, quota) !== undefined)
      return { inserted: false as const, refused: used };
    insertArgs.run(record);
    return { inserted: true, record: toArgs(getArgs.get(record.argsCommitment)!) };
  });
  // On the NORMAL connection, with its own statements (a statement belongs to one connection): BEGIN IMMEDIATE
  // still serializes it against the commit's transaction on the other connection.
  const stagedResult = fast.prepare<[string], { score: string }>(
    'SELECT score FROM results WHERE task_key = ?',
  );
  const stagedPrevious = fast.prepare<[string, string], FileRow>(
    'SELECT name, object_key, size, sha256 FROM staged_files WHERE task_key = ? AND name = ?',
  );
  const upsertStagedTx = fast.transaction((taskKey: string, file: FileRecord) => {
    if (stagedResult.get(taskKey)) return { staged: false as const };
    const previous = stagedPrevious.get(taskKey, file.name);
    upsertStaged.run(taskKey, file.name, file.objectKey, file.size, file.sha256);
    return {
      staged: true as const,
      replaced: previous && previous.object_key !== file.objectKey ? previous.object_key : undefined,
    };
  });
  const commitTx = db.transaction(
    (taskKey: string, score: string, committedAt: number, files: FileRecord[]) => {
      if (getResult.get(taskKey))
        return { committed: false as const, reason: 'exists' as const, unreferenced: [] };
      const staged = listStaged.all(taskKey);
      const checked = new Map(files.map((f) => [f.name, f.objectKey]));
      if (staged.length !== files.length || staged.some((r) => checked.get(r.name) !== r.object_key))
        return { committed: false as const, reason: 'changed' as const, unreferenced: [] };
      insertResult.run(taskKey, score, committedAt);
      for (const f of files) insertResultFile.run(taskKey, f.name, f.objectKey, f.size, f.sha256);
      deleteStaged.run(taskKey);
      return { committed: true as const, unreferenced: [] };
    },
  );
  const deleteTaskTx = db.transaction((taskKey: string) => {
    const task = getTask.get(taskKey);
    const objects = objectsOfTask.all(taskKey, taskKey).map((r) => r.object_key);
    for (const statement of deleteTaskRows) statement.run(taskKey);
    if (task && countArgsUsers.get(task.args_commitment, taskKey)!.n === 0) {
      const args = getArgs.get(task.args_commitment);
      if (args) {
        deleteArgsRow.run(task.args_commitment);
        objects.push(args.object_key);
      }
    }
    return objects;
  });

  // Replay claims of one event-loop turn share one transaction (one WAL append instead of one per request):
  // the claims are still decided one by one, in arrival order, before any of their requests goes on.
  let claims: {
    digest: string;
    expiresAt: number;
    resolve: (fresh: boolean) => void;
    reject: (e: unknown) => void;
  }[] = [];
  const claimAll = claimer.transaction((batch: typeof claims) =>
    batch.map((c) => claim.run(Buffer.from(c.digest.slice(2), 'hex'), c.expiresAt).changes === 1),
  );
  let busySince: number | undefined;
  const flushClaims = () => {
    const batch = claims;
    claims = [];
    try {
      const fresh = claimAll.immediate(batch);
      busySince = undefined;
      for (const [i, c] of batch.entries()) c.resolve(fresh[i]!);
    } catch (error) {
      const code = (error as { code?: string }).code;
      busySince ??= Date.now();
      if ((code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') && Date.now() - busySince < 5000) {
        // Not decided yet: back at the head of the queue (arrival order kept), tried again after other work.
        claims = [...batch, ...claims];
        if (claims.length === batch.length) setImmediate(flushClaims);
        return;
      }
      busySince = undefined;
      for (const c of batch) c.reject(error);
    }
  };

  return {
    claimRequest(digest, expiresAt) {
      return new Promise<boolean>((resolve, reject) => {
        if (claims.length === 0) setImmediate(flushClaims);
        claims.push({ digest, expiresAt, resolve, reject });
      });
    },
    async getArgs(argsCommitment) {
      const row = getArgs.get(argsCommitment);
      return row ? toArgs(row) : undefined;
    },
    async insertArgs(record, quota) {
      return insertArgsTx.immediate(record, quota);
    },
    async getArgsUsage(creator) {
      return usage(creator);
    },
    async refreshArgsExpiry(argsCommitment, expiry) {
      refreshExpiry.run(expiry, argsCommitment);
      const row = getArgs.get(argsCommitment);
      return row ? toArgs(row) : undefined;
    },
    async getTask(taskKey) {
      const row = getTask.get(taskKey);
      return row ? toTask(row) : undefined;
    },
    async insertTask(record) {
      insertTaskTx.immediate(record);
    },
    async markTerminal(taskKey, at) {
      markTerminal.run(at, taskKey);
    },
    async listStaged(taskKey) {
      return listStaged.all(taskKey).map(toFile);
    },
    async upsertStaged(taskKey, file) {
      return upsertStagedTx.immediate(taskKey, file);
    },
    async getResult(taskKey) {
      const row = getResult.get(taskKey);
      if (!row) return undefined;
      return {
        taskKey,
        score: row.score as Hex,
        committedAt: row.committed_at,
        files: listResultFiles.all(taskKey).map(toFile),
      };
    },
    async commitResult(result) {
      return commitTx.immediate(result.taskKey, result.score, result.committedAt, result.files);
    },
    async listExpiredArgs(before) {
      return listExpiredArgs.all(before).map(toArgs);
    },
    async listLiveTasks(limit, after) {
      return listLive.all(after ?? '', limit).map(toTask);
    },
    async listRetiredTasks(before, limit) {
      return listRetired.all(before, limit).map(toTask);
    },
    async deleteTask(taskKey) {
      return deleteTaskTx(taskKey);
    },
    async deleteExpiredArgs(argsCommitment, before) {
      return (deleteExpiredArgs.all(argsCommitment, before) as { object_key: string }[]).map(
        (r) => r.object_key,
      );
    },
    async isReferenced(objectKey) {
      return referenced.get(objectKey, objectKey, objectKey)!.n > 0;
    },
    async getCursor(name) {
      const row = getCursor.get(name);
      return row ? BigInt(row.value) : undefined;
    },
    async setCursor(name, value) {
      setCursor.run(name, value.toString());
    },
    async pruneRequests(before) {
      pruneRequests.run(before);
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      claimer.close();
      fast.close();
      db.close();
    },
  };
}
