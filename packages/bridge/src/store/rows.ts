import type { ApiKeyRecord, JobRecord } from './types.js';

/** Row ↔ record conversions shared by the SQLite and PostgreSQL stores (same column names). */
type Row = Record<string, unknown>;

const num = (value: unknown) => Number(value);
const big = (value: unknown) => BigInt(String(value));

export function toKey(row: Row): ApiKeyRecord {
  return {
    id: row.id as string,
    name: row.name as string,
    keyHash: row.key_hash as string,
    prefix: row.prefix as string,
    createdAt: num(row.created_at),
    revokedAt: row.revoked_at === null ? null : num(row.revoked_at),
    requestsPerMinute: row.requests_per_minute === null ? null : num(row.requests_per_minute),
    spendLimitWei: row.spend_limit_wei === null ? null : big(row.spend_limit_wei),
    spentWei: big(row.spent_wei),
  };
}

export function toJob(row: Row): JobRecord {
  return {
    id: row.id as string,
    keyId: row.key_id as string,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    requestHash: row.request_hash as string,
    type: row.type as JobRecord['type'],
    source: row.source as JobRecord['source'],
    args: JSON.parse(row.args as string),
    feeWei: big(row.fee_wei),
    chargedWei:
      row.charged_wei === null || row.charged_wei === undefined ? big(row.fee_wei) : big(row.charged_wei),
    status: row.status as JobRecord['status'],
    error: row.error === null ? null : JSON.parse(row.error as string),
    steps: JSON.parse(row.steps as string),
    tasks: JSON.parse(row.tasks as string),
    timings: row.timings === null ? null : JSON.parse(row.timings as string),
    files: JSON.parse(row.files as string),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

/** Column values of a patch, JSON-encoded where the column holds JSON. */
export function patchColumns(patch: Partial<JobRecord>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (patch.status !== undefined) out.status = patch.status;
  if (patch.error !== undefined) out.error = patch.error === null ? null : JSON.stringify(patch.error);
  if (patch.steps !== undefined) out.steps = JSON.stringify(patch.steps);
  if (patch.tasks !== undefined) out.tasks = JSON.stringify(patch.tasks);
  if (patch.timings !== undefined)
    out.timings = patch.timings === null ? null : JSON.stringify(patch.timings);
  if (patch.files !== undefined) out.files = JSON.stringify(patch.files);
  if (patch.args !== undefined) out.args = JSON.stringify(patch.args);
  if (patch.chargedWei !== undefined) out.charged_wei = patch.chargedWei.toString();
  return out;
}
