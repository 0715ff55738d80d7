import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { patchColumns, toJob, toKey } from './rows.js';
import { emptySteps, JobLeaseLostError, type JobRecord, type JobStore, type NewJob } from './types.js';

const schema = `
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL, revoked_at INTEGER, requests_per_minute INTEGER, spend_limit_wei TEXT,
  spent_wei TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, key_id TEXT NOT NULL, idempotency_key TEXT, request_hash TEXT NOT NULL,
  type TEXT NOT NULL, source TEXT NOT NULL, args TEXT NOT NULL, fee_wei TEXT NOT NULL, status TEXT NOT NULL,
  error TEXT, steps TEXT NOT NULL, tasks TEXT NOT NULL, timings TEXT, files TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, seq INTEGER NOT NULL, charged_wei TEXT,
  lease_owner TEXT, lease_until INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs (key_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_key ON jobs (key_id, seq);
CREATE TABLE IF NOT EXISTS job_files (job_id TEXT NOT NULL, name TEXT NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY (job_id, name));
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Columns added after the first release, with what rows written before them mean. */
const migrations: { column: string; add: string; fill?: string }[] = [
  {
    column: 'charged_wei',
    add: 'ALTER TABLE jobs ADD COLUMN charged_wei TEXT',
    // Failed jobs had their reservation given back; the others still hold it.
    fill: "UPDATE jobs SET charged_wei = CASE status WHEN 'failed' THEN '0' ELSE fee_wei END WHERE charged_wei IS NULL",
  },
  { column: 'lease_owner', add: 'ALTER TABLE jobs ADD COLUMN lease_owner TEXT' },
  { column: 'lease_until', add: 'ALTER TABLE jobs ADD COLUMN lease_until INTEGER' },
];

/**
 * The job store in one SQLite file (WAL, synchronous=FULL: a job and its fee reservation are durable once
 * `createJob` returns, so a crash right after cannot lose a job that a client was told about).
 *
 * @example
 * const store = createSqliteJobStore('.verinet/bridge/bridge.db');
 */
export function createSqliteJobStore(path: string): JobStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  db.transaction(() => {
    const columns = new Set(
      (db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[]).map((c) => c.name),
    );
    for (const migration of migrations) {
      if (!columns.has(migration.column)) db.exec(migration.add);
      if (migration.fill) db.exec(migration.fill);
    }
    db.exec(
      "CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs (key_id, status) WHERE status IN ('queued', 'running')",
    );
  })();

  const jobById = db.prepare('SELECT * FROM jobs WHERE id = ?');
  const byIdempotency = db.prepare('SELECT * FROM jobs WHERE key_id = ? AND idempotency_key = ?');
  const keyById = db.prepare('SELECT * FROM api_keys WHERE id = ?');
  const insertJob =
    db.prepare(`INSERT INTO jobs (id, key_id, idempotency_key, request_hash, type, source, args,
    fee_wei, charged_wei, status, error, steps, tasks, timings, files, created_at, updated_at, seq)
    VALUES (@id, @key_id, @idempotency_key, @request_hash, @type, @source, @args, @fee_wei, @fee_wei, 'queued',
    NULL, @steps, '[]', NULL, '[]', @now, @now, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs))`);
  const countUnfinished = db.prepare(
    "SELECT COUNT(*) AS n FROM jobs WHERE key_id = ? AND status IN ('queued', 'running')",
  );
  const setSpent = db.prepare('UPDATE api_keys SET spent_wei = ? WHERE id = ?');

  const create = db.transaction((job: NewJob, now: number, limits: { unfinishedPerKey: number }) => {
    if (job.idempotencyKey !== null) {
      const existing = byIdempotency.get(job.keyId, job.idempotencyKey) as
        | Record<string, unknown>
        | undefined;
      if (existing) return { kind: 'existing' as const, job: toJob(existing) };
    }
    const unfinished = (countUnfinished.get(job.keyId) as { n: number }).n;
    if (unfinished >= limits.unfinishedPerKey)
      return { kind: 'tooManyJobs' as const, limit: limits.unfinishedPerKey };
    const key = toKey(keyById.get(job.keyId) as Record<string, unknown>);
    const spent = key.spentWei + job.feeWei;
    if (key.spendLimitWei !== null && spent > key.spendLimitWei)
      return { kind: 'overSpend' as const, limitWei: key.spendLimitWei, spentWei: key.spentWei };
    setSpent.run(spent.toString(), job.keyId);
    insertJob.run({
      id: job.id,
      key_id: job.keyId,
      idempotency_key: job.idempotencyKey,
      request_hash: job.requestHash,
      type: job.type,
      source: job.source,
      args: JSON.stringify(job.args),
      fee_wei: job.feeWei.toString(),
      steps: JSON.stringify(emptySteps()),
      now,
    });
    return { kind: 'created' as const, job: toJob(jobById.get(job.id) as Record<string, unknown>) };
  });

  const leaseOf = db.prepare('SELECT lease_owner FROM jobs WHERE id = ?');
  const update = db.transaction(
    (id: string, patch: Partial<JobRecord>, now: number, owner?: string): JobRecord => {
      // The fencing check and the write in one transaction: no other bridge's claim can land between them.
      if (
        owner !== undefined &&
        (leaseOf.get(id) as { lease_owner: string | null } | undefined)?.lease_owner !== owner
      )
        throw new JobLeaseLostError(id, owner);
      if (patch.chargedWei !== undefined) {
        const before = jobById.get(id) as Record<string, unknown> | undefined;
        if (!before) throw new Error(`job ${id} does not exist`);
        const job = toJob(before);
        const key = toKey(keyById.get(job.keyId) as Record<string, unknown>);
        const spent = key.spentWei + patch.chargedWei - job.chargedWei;
        setSpent.run((spent > 0n ? spent : 0n).toString(), job.keyId);
      }
      const columns = patchColumns(patch);
      const names = Object.keys(columns);
      db.prepare(
        `UPDATE jobs SET ${[...names.map((n) => `${n} = @${n}`), 'updated_at = @now'].join(', ')} WHERE id = @id`,
      ).run({ ...columns, now, id });
      const row = jobById.get(id) as Record<string, unknown> | undefined;
      if (!row) throw new Error(`job ${id} does not exist`);
      return toJob(row);
    },
  );
  const claim = db.prepare(`UPDATE jobs SET lease_owner = @owner, lease_until = @until WHERE id = @id
    AND status IN ('queued', 'running') AND (lease_owner IS NULL OR lease_owner = @owner OR lease_until < @now)`);

  const insertFile = db.prepare('INSERT OR REPLACE INTO job_files (job_id, name, bytes) VALUES (?, ?, ?)');
  const complete = db.transaction(
    (
      id: string,
      files: { name: string; bytes: Uint8Array }[],
      patch: Partial<JobRecord>,
      now: number,
      owner?: string,
    ) => {
      if (
        owner !== undefined &&
        (leaseOf.get(id) as { lease_owner: string | null } | undefined)?.lease_owner !== owner
      )
        throw new JobLeaseLostError(id, owner);
      for (const file of files) insertFile.run(id, file.name, Buffer.from(file.bytes));
      return update(id, { ...patch, files: files.map((f) => f.name) }, now);
    },
  );

  return {
    kind: 'sqlite',
    async insertKey(key) {
      db.prepare(`INSERT INTO api_keys (id, name, key_hash, prefix, created_at, revoked_at, requests_per_minute,
        spend_limit_wei, spent_wei) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        key.id,
        key.name,
        key.keyHash,
        key.prefix,
        key.createdAt,
        key.revokedAt,
        key.requestsPerMinute,
        key.spendLimitWei === null ? null : key.spendLimitWei.toString(),
        key.spentWei.toString(),
      );
    },
    async findKeyByHash(keyHash) {
      const row = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?').get(keyHash);
      return row ? toKey(row as Record<string, unknown>) : undefined;
    },
    async listKeys() {
      return (
        db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as Record<string, unknown>[]
      ).map(toKey);
    },
    async revokeKey(id, at) {
      return (
        db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(at, id)
          .changes > 0
      );
    },
    async createJob(job, now, limits) {
      return create(job, now, limits);
    },
    async getJob(id) {
      const row = jobById.get(id);
      return row ? toJob(row as Record<string, unknown>) : undefined;
    },
    async findJobByIdempotencyKey(keyId, idempotencyKey) {
      const row = byIdempotency.get(keyId, idempotencyKey);
      return row ? toJob(row as Record<string, unknown>) : undefined;
    },
    async listJobs(keyId, { limit, before }) {
      const rows = before
        ? db
            .prepare(
              'SELECT * FROM jobs WHERE key_id = ? AND seq < (SELECT seq FROM jobs WHERE id = ?) ORDER BY seq DESC LIMIT ?',
            )
            .all(keyId, before, limit)
        : db.prepare('SELECT * FROM jobs WHERE key_id = ? ORDER BY seq DESC LIMIT ?').all(keyId, limit);
      return (rows as Record<string, unknown>[]).map(toJob);
    },
    async listUnfinishedJobs() {
      return (
        db.prepare("SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY seq").all() as Record<
          string,
          unknown
        >[]
      ).map(toJob);
    },
    async updateJob(id, patch, now, leaseOwner) {
      return update(id, patch, now, leaseOwner);
    },
    async claimJob(id, owner, until, now) {
      return claim.run({ id, owner, until, now }).changes > 0;
    },
    async releaseJob(id, owner) {
      db.prepare(
        'UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?',
      ).run(id, owner);
    },
    async completeJob(id, files, patch, now, leaseOwner) {
      return complete(id, files, patch, now, leaseOwner);
    },
    async getFile(jobId, name) {
      const row = db.prepare('SELECT bytes FROM job_files WHERE job_id = ? AND name = ?').get(jobId, name) as
        | { bytes: Buffer }
        | undefined;
      return row ? new Uint8Array(row.bytes) : undefined;
    },
    async getState(key) {
      const row = db.prepare('SELECT value FROM state WHERE key = ?').get(key) as
        | { value: string }
        | undefined;
      return row?.value;
    },
    async setState(key, value) {
      db.prepare(
        'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ).run(key, value);
    },
    async deleteState(key) {
      db.prepare('DELETE FROM state WHERE key = ?').run(key);
    },
    async listState(prefix) {
      return db
        .prepare('SELECT key, value FROM state WHERE substr(key, 1, length(?)) = ? ORDER BY key')
        .all(prefix, prefix) as { key: string; value: string }[];
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
