/**
 * Schema migrations, applied in order inside one transaction each; `PRAGMA user_version` records the last
 * one applied. Append only: a released migration is never edited, so every node upgrades the same way.
 */
export const migrations: readonly string[] = [
  // 1: tasks, the chain cursor with the hashes of recently processed blocks, transactions.
  `
  CREATE TABLE tasks (
    task_key        TEXT PRIMARY KEY,
    task_type       INTEGER NOT NULL,
    step            TEXT NOT NULL,
    started_block   INTEGER NOT NULL,
    args_commitment TEXT,
    salt            TEXT,
    args_path       TEXT,
    output_dir      TEXT,
    score           TEXT,
    result_files    TEXT,
    error_kind      TEXT,
    outcome         TEXT,
    fee             TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  );
  CREATE INDEX tasks_step ON tasks (step);
  CREATE TABLE chain_cursor (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    block_number INTEGER NOT NULL,
    block_hash   TEXT NOT NULL
  );
  CREATE TABLE processed_blocks (
    block_number INTEGER PRIMARY KEY,
    block_hash   TEXT NOT NULL
  );
  CREATE TABLE transactions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose     TEXT NOT NULL,
    task_key    TEXT,
    sender      TEXT NOT NULL,
    nonce       INTEGER NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    raw         TEXT NOT NULL,
    status      TEXT NOT NULL,
    block_number INTEGER,
    error       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE INDEX transactions_status ON transactions (status);
  CREATE UNIQUE INDEX transactions_purpose ON transactions (purpose, task_key, nonce);
  `,
  // 2: the operator's log of plain-language events (dashboard), bounded by the writer.
  `
  CREATE TABLE node_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    time    INTEGER NOT NULL,
    level   TEXT NOT NULL,
    message TEXT NOT NULL,
    task_key TEXT
  );
  `,
  // 3: the on-chain execution deadline of a task (unix seconds), so the worker stops in time.
  `ALTER TABLE tasks ADD COLUMN deadline_at INTEGER;`,
  // 4: the relay's ResultAvailable signature over the committed result (submitScore carries it).
  `ALTER TABLE tasks ADD COLUMN result_signature TEXT;`,
  // 5: fee bumping: a stuck transaction is replaced by another with the same nonce and a higher fee, so one
  // (purpose, task, nonce) may have several signed variants (any one of them may land).
  `DROP INDEX transactions_purpose; CREATE INDEX transactions_nonce ON transactions (sender, nonce);`,
  // 6: partial indexes for the queries every daemon runs several times a second, which scanned every row it ever
  // had (the open tasks: `step != 'ended'` cannot use tasks_step; the live transactions of a purpose): they
  // stay as small as what is open or live, however long the node has run.
  `
  CREATE INDEX tasks_open ON tasks (started_block, created_at) WHERE step != 'ended';
  CREATE INDEX transactions_live ON transactions (sender, purpose, nonce) WHERE status IN ('signed', 'sent');
  `,
  // 7: the block of the TaskEnd* event that ended a task, so a reorganization that replaces only the end puts the
  // task back to its follow (session 14). Tasks ended before this version get their TaskStarted's block (a lower
  // bound: a reorganization right after the upgrade under such an end is not seen).
  `
  ALTER TABLE tasks ADD COLUMN ended_block INTEGER;
  UPDATE tasks SET ended_block = started_block WHERE step = 'ended';
  `,
];
