import { index, onchainTable } from 'ponder';

/** One row per node that ever joined, kept after it quits so its history stays visible. */
export const node = onchainTable('node', (t) => ({
  address: t.hex().primaryKey(),
  gpuId: t.hex().notNull(),
  gpuName: t.text().notNull(),
  vram: t.integer().notNull(),
  version: t.bigint().notNull(),
  beneficiary: t.hex().notNull(),
  /** Stake currently locked in the registry (0 once returned or slashed). */
  stake: t.bigint().notNull(),
  /** INodeRegistry.NodeStatus: 0 Quit, 1 Available, 2 Busy, 3 Paused, 4 PendingPause, 5 PendingQuit. */
  status: t.integer().notNull(),
  /** The task a Busy node runs (TaskStarted), so that only its report frees it; null otherwise. */
  currentTask: t.hex(),
  qos: t.integer(),
  /** Fees paid to this node (TaskEndSuccess + TaskEndGroupSuccess). */
  earnings: t.bigint().notNull(),
  tasksRun: t.integer().notNull(),
  tasksPaid: t.integer().notNull(),
  slashed: t.bigint().notNull(),
  kickedOut: t.boolean().notNull(),
  joinedBlock: t.bigint().notNull(),
  joinedAt: t.bigint().notNull(),
}));

/**
 * One row per task key. `state` mirrors ITaskManager.TaskState by name; `sampled` becomes true only when a
 * validation group is opened on chain (the secret stays secret until then).
 */
export const task = onchainTable(
  'task',
  (t) => ({
    taskKey: t.hex().primaryKey(),
    creator: t.hex().notNull(),
    taskType: t.integer().notNull(),
    fee: t.bigint().notNull(),
    argsCommitment: t.hex().notNull(),
    taskSize: t.bigint().notNull(),
    node: t.hex(),
    state: t.text().notNull(),
    abortReason: t.integer(),
    errorCode: t.integer(),
    score: t.hex(),
    samplingSeed: t.hex(),
    groupKey: t.hex(),
    sampled: t.boolean().notNull(),
    paidTo: t.hex(),
    createdBlock: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    createdTx: t.hex().notNull(),
    updatedBlock: t.bigint().notNull(),
    endedTx: t.hex(),
  }),
  (table) => ({
    nodeIndex: index().on(table.node),
    createdIndex: index().on(table.createdBlock),
  }),
);

/** A validation group opened with TaskGroupValidated: the original and its two secret copies. */
export const validationGroup = onchainTable('validation_group', (t) => ({
  originalKey: t.hex().primaryKey(),
  guid: t.hex().notNull(),
  member1: t.hex().notNull(),
  member2: t.hex().notNull(),
  block: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
  tx: t.hex().notNull(),
}));

/** A NodeSlashed event, with the task whose invalidation caused it when the same transaction says so. */
export const slash = onchainTable('slash', (t) => ({
  id: t.text().primaryKey(),
  node: t.hex().notNull(),
  amount: t.bigint().notNull(),
  taskKey: t.hex(),
  block: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
  tx: t.hex().notNull(),
}));

/** Network-wide counters, one row with id 'network'. */
export const counters = onchainTable('counters', (t) => ({
  id: t.text().primaryKey(),
  nodesJoined: t.integer().notNull(),
  tasksCreated: t.integer().notNull(),
  tasksPaid: t.integer().notNull(),
  tasksRefunded: t.integer().notNull(),
  tasksAborted: t.integer().notNull(),
  groupsValidated: t.integer().notNull(),
  slashes: t.integer().notNull(),
  feesPaid: t.bigint().notNull(),
  stakeSlashed: t.bigint().notNull(),
  lastBlock: t.bigint().notNull(),
}));
