import pg from 'pg';
import { patchColumns, toJob, toKey } from './rows.js';
import { emptySteps, JobLeaseLostError, type JobRecord, type JobStore } from './types.js';

const schema = `
CREATE TABLE IF NOT EXISTS bridge_api_keys (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL,
  created_at BIGINT NOT NULL, revoked_at BIGINT, requests_per_minute INTEGER, spend_limit_wei NUMERIC(78, 0),
  spent_wei NUMERIC(78, 0) NOT NULL);
CREATE TABLE IF NOT EXISTS bridge_jobs (
  id TEXT PRIMARY KEY, key_id TEXT NOT NULL REFERENCES bridge_api_keys (id), idempotency_key TEXT,
  request_hash TEXT NOT NULL, type TEXT NOT NULL, source TEXT NOT NULL, args TEXT NOT NULL,
  fee_wei NUMERIC(78, 0) NOT NULL, status TEXT NOT NULL, error TEXT, steps TEXT NOT NULL, tasks TEXT NOT NULL,
  timings TEXT, files TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
  seq BIGSERIAL NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS bridge_jobs_idempotency ON bridge_jobs (key_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS bridge_jobs_key ON bridge_jobs (key_id, seq);
CREATE TABLE IF NOT EXISTS bridge_job_files (job_id TEXT NOT NULL, name TEXT NOT NULL, bytes BYTEA NOT NULL,
  PRIMARY KEY (job_id, name));
CREATE TABLE IF NOT EXISTS bridge_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
ALTER TABLE bridge_jobs ADD COLUMN IF NOT EXISTS charged_wei NUMERIC(78, 0);
ALTER TABLE bridge_jobs ADD COLUMN IF NOT EXISTS lease_owner TEXT;
ALTER TABLE bridge_jobs ADD COLUMN IF NOT EXISTS lease_until BIGINT;
UPDATE bridge_jobs SET charged_wei = CASE status WHEN 'failed' THEN 0 ELSE fee_wei END WHERE charged_wei IS NULL;
CREATE INDEX IF NOT EXISTS bridge_jobs_unfinished ON bridge_jobs (key_id, status)
  WHERE status IN ('queued', 'running');
`;

type Row = Record<string, unknown>;

/**
 * The job store in PostgreSQL (several bridge instances may share it): the fee reservation locks the key's
 * row, and the idempotency index decides between two instances racing on one key.
 *
 * @example
 * const store = await createPostgresJobStore('postgres://bridge@127.0.0.1/bridge');
 */
export async function createPostgresJobStore(url: string): Promise<JobStore> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});
  const client = await pool.connect();
  try {
    // Two instances starting at once must not race on CREATE TABLE IF NOT EXISTS.
    await client.query('SELECT pg_advisory_lock(7080)');
    await client.query(schema);
    await client.query('SELECT pg_advisory_unlock(7080)');
  } finally {
    client.release();
  }

  const one = async (text: string, values: unknown[]): Promise<Row | undefined> =>
    (await pool.query(text, values)).rows[0] as Row | undefined;

  async function transaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      tx.release();
    }
  }

  /** Locks the job's row and checks `owner` still holds its lease, inside the caller's transaction. */
  const fence = async (db: pg.PoolClient, id: string, owner: string | undefined) => {
    if (owner === undefined) return;
    const row = (await db.query('SELECT lease_owner FROM bridge_jobs WHERE id = $1 FOR UPDATE', [id]))
      .rows[0] as { lease_owner: string | null } | undefined;
    if (row?.lease_owner !== owner) throw new JobLeaseLostError(id, owner);
  };

  const update = async (db: pg.PoolClient, id: string, patch: Partial<JobRecord>, now: number) => {
    if (patch.chargedWei !== undefined) {
      // The job's row lock, then the key's: the charge and the key's total move together.
      const before = (await db.query('SELECT * FROM bridge_jobs WHERE id = $1 FOR UPDATE', [id])).rows[0] as
        | Row
        | undefined;
      if (!before) throw new Error(`job ${id} does not exist`);
      const job = toJob(before);
      await db.query(
        'UPDATE bridge_api_keys SET spent_wei = GREATEST(spent_wei + $1::numeric - $2::numeric, 0) WHERE id = $3',
        [patch.chargedWei.toString(), job.chargedWei.toString(), job.keyId],
      );
    }
    const columns = patchColumns(patch);
    const names = Object.keys(columns);
    const sets = [...names.map((n, i) => `${n} = $${i + 1}`), `updated_at = $${names.length + 1}`];
    const result = await db.query(
      `UPDATE bridge_jobs SET ${sets.join(', ')} WHERE id = $${names.length + 2} RETURNING *`,
      [...names.map((n) => columns[n]), now, id],
    );
    const row = result.rows[0] as Row | undefined;
    if (!row) throw new Error(`job ${id} does not exist`);
    return toJob(row);
  };

  return {
    kind: 'postgres',
    async insertKey(key) {
      await pool.query(
        `INSERT INTO bridge_api_keys (id, name, key_hash, prefix, created_at, revoked_at, requests_per_minute,
         spend_limit_wei, spent_wei) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          key.id,
          key.name,
          key.keyHash,
          key.prefix,
          key.createdAt,
          key.revokedAt,
          key.requestsPerMinute,
          key.spendLimitWei?.toString() ?? null,
          key.spentWei.toString(),
        ],
      );
    },
    async findKeyByHash(keyHash) {
      const row = await one('SELECT * FROM bridge_api_keys WHERE key_hash = $1', [keyHash]);
      return row ? toKey(row) : undefined;
    },
    async listKeys() {
      return (await pool.query('SELECT * FROM bridge_api_keys ORDER BY created_at, id')).rows.map(toKey);
    },
    async revokeKey(id, at) {
      const result = await pool.query(
        'UPDATE bridge_api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2',
        [at, id],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async createJob(job, now, limits) {
      return transaction(async (tx) => {
        // The key's row lock serializes reservations of one key, so two requests cannot both pass the limit.
        const key = toKey(
          (await tx.query('SELECT * FROM bridge_api_keys WHERE id = $1 FOR UPDATE', [job.keyId]))
            .rows[0] as Row,
        );
        if (job.idempotencyKey !== null) {
          const existing = (
            await tx.query('SELECT * FROM bridge_jobs WHERE key_id = $1 AND idempotency_key = $2', [
              job.keyId,
              job.idempotencyKey,
            ])
          ).rows[0] as Row | undefined;
          if (existing) return { kind: 'existing' as const, job: toJob(existing) };
        }
        // Counted under the key's row lock: concurrent requests of one key see each other's jobs.
        const unfinished = Number(
          (
            await tx.query(
              "SELECT COUNT(*) AS n FROM bridge_jobs WHERE key_id = $1 AND status IN ('queued', 'running')",
              [job.keyId],
            )
          ).rows[0]?.n ?? 0,
        );
        if (unfinished >= limits.unfinishedPerKey)
          return { kind: 'tooManyJobs' as const, limit: limits.unfinishedPerKey };
        const spent = key.spentWei + job.feeWei;
        if (key.spendLimitWei !== null && spent > key.spendLimitWei)
          return { kind: 'overSpend' as const, limitWei: key.spendLimitWei, spentWei: key.spentWei };
        await tx.query('UPDATE bridge_api_keys SET spent_wei = $1 WHERE id = $2', [
          spent.toString(),
          job.keyId,
        ]);
        const row = (
          await tx.query(
            `INSERT INTO bridge_jobs (id, key_id, idempotency_key, request_hash, type, source, args, fee_wei,
             charged_wei, status, error, steps, tasks, timings, files, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 'queued', NULL, $9, '[]', NULL, '[]', $10, $10) RETURNING *`,
            [
              job.id,
              job.keyId,
              job.idempotencyKey,
              job.requestHash,
              job.type,
              job.source,
              JSON.stringify(job.args),
              job.feeWei.toString(),
              JSON.stringify(emptySteps()),
              now,
            ],
          )
        ).rows[0] as Row;
        return { kind: 'created' as const, job: toJob(row) };
      });
    },
    async getJob(id) {
      const row = await one('SELECT * FROM bridge_jobs WHERE id = $1', [id]);
      return row ? toJob(row) : undefined;
    },
    async findJobByIdempotencyKey(keyId, idempotencyKey) {
      const row = await one('SELECT * FROM bridge_jobs WHERE key_id = $1 AND idempotency_key = $2', [
        keyId,
        idempotencyKey,
      ]);
      return row ? toJob(row) : undefined;
    },
    async listJobs(keyId, { limit, before }) {
      const result = before
        ? await pool.query(
            `SELECT * FROM bridge_jobs WHERE key_id = $1 AND seq < (SELECT seq FROM bridge_jobs WHERE id = $2)
             ORDER BY seq DESC LIMIT $3`,
            [keyId, before, limit],
          )
        : await pool.query('SELECT * FROM bridge_jobs WHERE key_id = $1 ORDER BY seq DESC LIMIT $2', [
            keyId,
            limit,
          ]);
      return result.rows.map(toJob);
    },
    async listUnfinishedJobs() {
      return (
        await pool.query("SELECT * FROM bridge_jobs WHERE status IN ('queued', 'running') ORDER BY seq")
      ).rows.map(toJob);
    },
    async updateJob(id, patch, now, leaseOwner) {
      return transaction(async (tx) => {
        await fence(tx, id, leaseOwner);
        return update(tx, id, patch, now);
      });
    },
    async claimJob(id, owner, until, now) {
      const result = await pool.query(
        `UPDATE bridge_jobs SET lease_owner = $2, lease_until = $3 WHERE id = $1
         AND status IN ('queued', 'running') AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < $4)`,
        [id, owner, until, now],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async releaseJob(id, owner) {
      await pool.query(
        'UPDATE bridge_jobs SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2',
        [id, owner],
      );
    },
    async completeJob(id, files, patch, now, leaseOwner) {
      return transaction(async (tx) => {
        await fence(tx, id, leaseOwner);
        for (const file of files)
          await tx.query(
            `INSERT INTO bridge_job_files (job_id, name, bytes) VALUES ($1, $2, $3)
             ON CONFLICT (job_id, name) DO UPDATE SET bytes = excluded.bytes`,
            [id, file.name, Buffer.from(file.bytes)],
          );
        return update(tx, id, { ...patch, files: files.map((f) => f.name) }, now);
      });
    },
    async getFile(jobId, name) {
      const row = await one('SELECT bytes FROM bridge_job_files WHERE job_id = $1 AND name = $2', [
        jobId,
        name,
      ]);
      return row ? new Uint8Array(row.bytes as Buffer) : undefined;
    },
    async getState(key) {
      return (await one('SELECT value FROM bridge_state WHERE key = $1', [key]))?.value as string | undefined;
    },
    async setState(key, value) {
      await pool.query(
        'INSERT INTO bridge_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, value],
      );
    },
    async deleteState(key) {
      await pool.query('DELETE FROM bridge_state WHERE key = $1', [key]);
    },
    async listState(prefix) {
      const result = await pool.query(
        'SELECT key, value FROM bridge_state WHERE left(key, length($1)) = $1 ORDER BY key',
        [prefix],
      );
      return result.rows as { key: string; value: string }[];
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
