import pg from 'pg';
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
import type { ArgsUsage, MetaStore } from '../types.js';

const schema = `
CREATE TABLE IF NOT EXISTS relay_requests (digest TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS relay_requests_expiry ON relay_requests (expires_at);
CREATE TABLE IF NOT EXISTS relay_args (
  args_commitment TEXT PRIMARY KEY, creator TEXT NOT NULL, salt TEXT NOT NULL, args_hash TEXT NOT NULL,
  task_type TEXT NOT NULL, size BIGINT NOT NULL, object_key TEXT NOT NULL, expiry BIGINT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS relay_args_creator ON relay_args (creator);
CREATE TABLE IF NOT EXISTS relay_tasks (
  task_key TEXT PRIMARY KEY, args_commitment TEXT NOT NULL, creator TEXT NOT NULL, task_type TEXT NOT NULL,
  terminal_at BIGINT);
CREATE INDEX IF NOT EXISTS relay_tasks_args ON relay_tasks (args_commitment);
CREATE INDEX IF NOT EXISTS relay_tasks_creator ON relay_tasks (creator);
CREATE TABLE IF NOT EXISTS relay_staged_files (
  task_key TEXT NOT NULL, name TEXT NOT NULL, object_key TEXT NOT NULL, size BIGINT NOT NULL,
  sha256 TEXT NOT NULL, PRIMARY KEY (task_key, name));
CREATE TABLE IF NOT EXISTS relay_results (task_key TEXT PRIMARY KEY, score TEXT NOT NULL, committed_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS relay_result_files (
  task_key TEXT NOT NULL, name TEXT NOT NULL, object_key TEXT NOT NULL, size BIGINT NOT NULL,
  sha256 TEXT NOT NULL, PRIMARY KEY (task_key, name));
CREATE TABLE IF NOT EXISTS relay_cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v);
const toArgs = (r: Row) => toArgsRecord(r as ArgsRow);
const toTask = (r: Row) => toTaskRecord(r as TaskRow);
const toFile = (r: Row) => toFileRecord(r as FileRow);

/**
 * Relay metadata in PostgreSQL, shared by several relay instances: every check-then-write is one statement
 * with ON CONFLICT or a transaction, so two instances racing on one upload agree on the winner.
 *
 * @example
 * const meta = await createPostgresMetaStore('postgres://relay@127.0.0.1:5432/relay');
 */
export async function createPostgresMetaStore(url: string): Promise<MetaStore> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // Two instances starting together both run the DDL: serialize it.
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7070)');
    await client.query(schema);
    await client.query('SELECT pg_advisory_unlock(7070)');
  } finally {
    client.release();
  }
  const q = async (text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as Row[];
  const tx = async <T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const out = await work(c);
      await c.query('COMMIT');
      return out;
    } catch (error) {
      await c.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      c.release();
    }
  };

  const usage = async (c: pg.PoolClient, creator: string): Promise<ArgsUsage> => {
    const pending = `NOT EXISTS (SELECT 1 FROM relay_tasks t WHERE t.args_commitment = a.args_commitment)`;
    const [mine] = (
      await c.query(
        `SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS b FROM relay_args a WHERE creator = $1 AND ${pending}`,
        [creator],
      )
    ).rows as Row[];
    const [all] = (await c.query(`SELECT COALESCE(SUM(size), 0) AS b FROM relay_args a WHERE ${pending}`))
      .rows as Row[];
    const [known] = (
      await c.query('SELECT EXISTS (SELECT 1 FROM relay_tasks WHERE creator = $1) AS e', [creator])
    ).rows as Row[];
    const [fresh] = (
      await c.query(
        `SELECT COALESCE(SUM(size), 0) AS b FROM relay_args a WHERE ${pending}
         AND NOT EXISTS (SELECT 1 FROM relay_tasks t WHERE t.creator = a.creator)`,
      )
    ).rows as Row[];
    return {
      creatorCount: num(mine!.n),
      creatorBytes: num(mine!.b),
      totalBytes: num(all!.b),
      established: known!.e === true,
      newCreatorsBytes: num(fresh!.b),
    };
  };
  /** Serializes the staging and the commit of one task's result files across instances. */
  const lockTask = (c: pg.PoolClient, taskKey: string) =>
    c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`relay-result:${taskKey}`]);

  // Replay claims are batched: while one INSERT is on its way, the claims that arrive wait and go together in
  // the next one (one round trip for many requests under load, none added when idle). Within a batch the first
  // of two equal digests wins, as it would one by one.
  type Claim = {
    digest: string;
    expiresAt: number;
    resolve: (fresh: boolean) => void;
    reject: (e: unknown) => void;
  };
  const waiting: Claim[] = [];
  let claiming = false;
  const flushClaims = async () => {
    claiming = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, 1000);
      try {
        const { rows } = await pool.query(
          `INSERT INTO relay_requests (digest, expires_at) SELECT * FROM unnest($1::text[], $2::bigint[])
           ON CONFLICT DO NOTHING RETURNING digest`,
          [batch.map((c) => c.digest), batch.map((c) => c.expiresAt)],
        );
        const inserted = new Set((rows as { digest: string }[]).map((r) => r.digest));
        for (const c of batch) {
          c.resolve(inserted.has(c.digest));
          inserted.delete(c.digest);
        }
      } catch (error) {
        for (const c of batch) c.reject(error);
      }
    }
    claiming = false;
  };

  return {
    claimRequest(digest, expiresAt) {
      return new Promise<boolean>((resolve, reject) => {
        waiting.push({ digest, expiresAt, resolve, reject });
        if (!claiming) void flushClaims();
      });
    },
    async getArgs(argsCommitment) {
      const [row] = await q('SELECT * FROM relay_args WHERE args_commitment = $1', [argsCommitment]);
      return row ? toArgs(row) : undefined;
    },
    async insertArgs(r, quota) {
      return tx(async (c) => {
        // One lock for every pending upload: the quota check and the insert must not interleave across instances.
        await c.query('SELECT pg_advisory_xact_lock(7071)');
        const [existing] = (
          await c.query('SELECT * FROM relay_args WHERE args_commitment = $1', [r.argsCommitment])
        ).rows as Row[];
        if (existing) return { inserted: false, record: toArgs(existing) };
        const used = await usage(c, r.creator);
        if (getArgsQuotaRefusal(used, r.size, quota) !== undefined)
          return { inserted: false as const, refused: used };
        await c.query(
          `INSERT INTO relay_args (args_commitment, creator, salt, args_hash, task_type, size, object_key, expiry, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            r.argsCommitment,
            r.creator,
            r.salt,
            r.argsHash,
            r.taskType,
            r.size,
            r.objectKey,
            r.expiry,
            r.createdAt,
          ],
        );
        const [row] = (
          await c.query('SELECT * FROM relay_args WHERE args_commitment = $1', [r.argsCommitment])
        ).rows as Row[];
        return { inserted: true, record: toArgs(row!) };
      });
    },
    async getArgsUsage(creator) {
      const c = await pool.connect();
      try {
        return await usage(c, creator);
      } finally {
        c.release();
      }
    },
    async refreshArgsExpiry(argsCommitment, expiry) {
      const [row] = await q(
        'UPDATE relay_args SET expiry = GREATEST(expiry, $2) WHERE args_commitment = $1 RETURNING *',
        [argsCommitment, expiry],
      );
      return row ? toArgs(row) : undefined;
    },
    async getTask(taskKey) {
      const [row] = await q('SELECT * FROM relay_tasks WHERE task_key = $1', [taskKey]);
      return row ? toTask(row) : undefined;
    },
    async insertTask(r) {
      await q(
        `INSERT INTO relay_tasks (task_key, args_commitment, creator, task_type, terminal_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [r.taskKey, r.argsCommitment, r.creator, r.taskType, r.terminalAt],
      );
    },
    async markTerminal(taskKey, at) {
      await q('UPDATE relay_tasks SET terminal_at = $1 WHERE task_key = $2 AND terminal_at IS NULL', [
        at,
        taskKey,
      ]);
    },
    async listStaged(taskKey) {
      return (await q('SELECT * FROM relay_staged_files WHERE task_key = $1 ORDER BY name', [taskKey])).map(
        toFile,
      );
    },
    async upsertStaged(taskKey, file) {
      return tx(async (c) => {
        await lockTask(c, taskKey);
        if ((await c.query('SELECT 1 FROM relay_results WHERE task_key = $1', [taskKey])).rowCount)
          return { staged: false as const };
        const previous = (
          await c.query('SELECT object_key FROM relay_staged_files WHERE task_key = $1 AND name = $2', [
            taskKey,
            file.name,
          ])
        ).rows[0] as Row | undefined;
        await c.query(
          `INSERT INTO relay_staged_files (task_key, name, object_key, size, sha256) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (task_key, name) DO UPDATE SET object_key = excluded.object_key, size = excluded.size,
           sha256 = excluded.sha256`,
          [taskKey, file.name, file.objectKey, file.size, file.sha256],
        );
        const old = previous?.object_key as string | undefined;
        return { staged: true as const, replaced: old && old !== file.objectKey ? old : undefined };
      });
    },
    async getResult(taskKey) {
      const [row] = await q('SELECT * FROM relay_results WHERE task_key = $1', [taskKey]);
      if (!row) return undefined;
      const files = (
        await q('SELECT * FROM relay_result_files WHERE task_key = $1 ORDER BY name', [taskKey])
      ).map(toFile);
      return { taskKey, score: row.score as Hex, committedAt: num(row.committed_at), files };
    },
    async commitResult(result) {
      return tx(async (c) => {
        await lockTask(c, result.taskKey);
        if ((await c.query('SELECT 1 FROM relay_results WHERE task_key = $1', [result.taskKey])).rowCount)
          return { committed: false as const, reason: 'exists' as const, unreferenced: [] };
        const staged = (
          await c.query('SELECT name, object_key FROM relay_staged_files WHERE task_key = $1', [
            result.taskKey,
          ])
        ).rows as Row[];
        const checked = new Map(result.files.map((f) => [f.name, f.objectKey]));
        if (
          staged.length !== result.files.length ||
          staged.some((r) => checked.get(r.name as string) !== r.object_key)
        )
          return { committed: false as const, reason: 'changed' as const, unreferenced: [] };
        await c.query('INSERT INTO relay_results (task_key, score, committed_at) VALUES ($1, $2, $3)', [
          result.taskKey,
          result.score,
          result.committedAt,
        ]);
        for (const f of result.files)
          await c.query(
            'INSERT INTO relay_result_files (task_key, name, object_key, size, sha256) VALUES ($1, $2, $3, $4, $5)',
            [result.taskKey, f.name, f.objectKey, f.size, f.sha256],
          );
        await c.query('DELETE FROM relay_staged_files WHERE task_key = $1', [result.taskKey]);
        return { committed: true as const, unreferenced: [] };
      });
    },
    async listExpiredArgs(before) {
      return (
        await q(
          `SELECT * FROM relay_args a WHERE expiry < $1 AND NOT EXISTS
           (SELECT 1 FROM relay_tasks t WHERE t.args_commitment = a.args_commitment) LIMIT 1000`,
          [before],
        )
      ).map(toArgs);
    },
    async listLiveTasks(limit, after) {
      return (
        await q(
          'SELECT * FROM relay_tasks WHERE terminal_at IS NULL AND task_key > $1 ORDER BY task_key LIMIT $2',
          [after ?? '', limit],
        )
      ).map(toTask);
    },
    async listRetiredTasks(before, limit) {
      return (
        await q('SELECT * FROM relay_tasks WHERE terminal_at IS NOT NULL AND terminal_at < $1 LIMIT $2', [
          before,
          limit,
        ])
      ).map(toTask);
    },
    async deleteTask(taskKey) {
      return tx(async (c) => {
        const task = (await c.query('SELECT * FROM relay_tasks WHERE task_key = $1', [taskKey])).rows[0] as
          | Row
          | undefined;
        const objects = (
          await c.query(
            `SELECT object_key FROM relay_staged_files WHERE task_key = $1 UNION ALL
             SELECT object_key FROM relay_result_files WHERE task_key = $1`,
            [taskKey],
          )
        ).rows.map((r: Row) => r.object_key as string);
        for (const table of ['relay_staged_files', 'relay_result_files', 'relay_results', 'relay_tasks'])
          await c.query(`DELETE FROM ${table} WHERE task_key = $1`, [taskKey]);
        if (task) {
          const others = (
            await c.query('SELECT COUNT(*) AS n FROM relay_tasks WHERE args_commitment = $1', [
              task.args_commitment,
            ])
          ).rows[0] as Row;
          if (num(others.n) === 0) {
            const args = (
              await c.query('DELETE FROM relay_args WHERE args_commitment = $1 RETURNING object_key', [
                task.args_commitment,
              ])
            ).rows[0] as Row | undefined;
            if (args) objects.push(args.object_key as string);
          }
        }
        return objects;
      });
    },
    async deleteExpiredArgs(argsCommitment, before) {
      return tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(7071)');
        const rows = (
          await c.query(
            `DELETE FROM relay_args a WHERE args_commitment = $1 AND expiry < $2 AND NOT EXISTS
             (SELECT 1 FROM relay_tasks t WHERE t.args_commitment = a.args_commitment) RETURNING object_key`,
            [argsCommitment, before],
          )
        ).rows as Row[];
        return rows.map((r) => r.object_key as string);
      });
    },
    async isReferenced(objectKey) {
      const [row] = await q(
        `SELECT (SELECT COUNT(*) FROM relay_args WHERE object_key = $1) + (SELECT COUNT(*) FROM relay_staged_files
         WHERE object_key = $1) + (SELECT COUNT(*) FROM relay_result_files WHERE object_key = $1) AS n`,
        [objectKey],
      );
      return num(row!.n) > 0;
    },
    async getCursor(name) {
      const [row] = await q('SELECT value FROM relay_cursors WHERE name = $1', [name]);
      return row ? BigInt(row.value as string) : undefined;
    },
    async setCursor(name, value) {
      await q(
        'INSERT INTO relay_cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
        [name, value.toString()],
      );
    },
    async pruneRequests(before) {
      await q('DELETE FROM relay_requests WHERE expires_at < $1', [before]);
    },
    async ping() {
      await q('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
