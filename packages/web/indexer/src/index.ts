// Event handlers of the explorer's indexer: each contract event updates the rows it concerns. Ponder replays
// them in chain order and rolls them back on a reorg, so the handlers stay free of bookkeeping.
import { ponder } from 'ponder:registry';
import { counters, node, slash, task, validationGroup } from 'ponder:schema';

type Db = Parameters<Parameters<typeof ponder.on<'TaskManager:TaskCreated'>>[1]>[0]['context']['db'];
type Hex = `0x${string}`;
type CounterDelta = Partial<
  Record<Exclude<keyof typeof counters.$inferSelect, 'id' | 'lastBlock'>, number | bigint>
>;

const zeroCounters = {
  id: 'network',
  nodesJoined: 0,
  tasksCreated: 0,
  tasksPaid: 0,
  tasksRefunded: 0,
  tasksAborted: 0,
  groupsValidated: 0,
  slashes: 0,
  feesPaid: 0n,
  stakeSlashed: 0n,
  lastBlock: 0n,
};

async function bump(db: Db, block: bigint, delta: CounterDelta): Promise<void> {
  await db.insert(counters).values(zeroCounters).onConflictDoNothing();
  await db.update(counters, { id: 'network' }).set((row) => {
    const next: Record<string, unknown> = { lastBlock: block > row.lastBlock ? block : row.lastBlock };
    for (const [key, value] of Object.entries(delta)) {
      const current = row[key as keyof typeof row];
      next[key] = typeof value === 'bigint' ? (current as bigint) + value : (current as number) + value;
    }
    return next;
  });
}

async function updateTask(
  db: Db,
  taskKey: Hex,
  block: bigint,
  values: Partial<typeof task.$inferInsert>,
): Promise<boolean> {
  // A task created before the indexer's start block is unknown here: skip it rather than invent a row.
  if (!(await db.find(task, { taskKey }))) return false;
  await db.update(task, { taskKey }).set({ ...values, updatedBlock: block });
  return true;
}

/** INodeRegistry.NodeStatus values the task events stand in for (see NodeStatusChanged's NatSpec). */
const NODE_AVAILABLE = 1;
const NODE_BUSY = 2;

async function updateNode(
  db: Db,
  address: Hex,
  values: (row: typeof node.$inferSelect) => Partial<typeof node.$inferInsert>,
): Promise<void> {
  if (!(await db.find(node, { address }))) return;
  await db.update(node, { address }).set(values);
}

ponder.on('NodeRegistry:NodeJoined', async ({ event, context }) => {
  const { node: address, gpuId, gpuName, vram, version, stake, beneficiary } = event.args;
  const joined = {
    gpuId,
    gpuName,
    vram: Number(vram),
    version,
    beneficiary,
    stake,
    status: 1,
    kickedOut: false,
    joinedBlock: event.block.number,
    joinedAt: event.block.timestamp,
  };
  // A node that quit may join again: it keeps its history (earnings, tasks, slashes).
  await context.db
    .insert(node)
    .values({ address, ...joined, earnings: 0n, tasksRun: 0, tasksPaid: 0, slashed: 0n })
    .onConflictDoUpdate(joined);
  await bump(context.db, event.block.number, { nodesJoined: 1 });
});

ponder.on('NodeRegistry:NodeStatusChanged', async ({ event, context }) => {
  const status = Number(event.args.to);
  await updateNode(context.db, event.args.node, () => ({
    status,
    ...(status === NODE_BUSY ? {} : { currentTask: null }),
  }));
});

ponder.on('NodeRegistry:QoSScoreChanged', async ({ event, context }) => {
  await updateNode(context.db, event.args.node, () => ({ qos: Number(event.args.newScore) }));
});

ponder.on('NodeRegistry:NodeKickedOut', async ({ event, context }) => {
  await updateNode(context.db, event.args.node, () => ({ kickedOut: true }));
});

ponder.on('NodeRegistry:StakeReturned', async ({ event, context }) => {
  const { amount } = event.args;
  await updateNode(context.db, event.args.node, (row) => ({
    stake: row.stake > amount ? row.stake - amount : 0n,
  }));
});

ponder.on('NodeRegistry:BeneficiaryChanged', async ({ event, context }) => {
  await updateNode(context.db, event.args.node, () => ({ beneficiary: event.args.beneficiary }));
});

ponder.on('NodeRegistry:NodeSlashed', async ({ event, context }) => {
  const { node: address, amount } = event.args;
  await updateNode(context.db, address, (row) => ({ stake: 0n, slashed: row.slashed + amount }));
  const id = `${event.transaction.hash}-${address.toLowerCase()}`;
  await context.db
    .insert(slash)
    .values({
      id,
      node: address,
      amount,
      block: event.block.number,
      timestamp: event.block.timestamp,
      tx: event.transaction.hash,
    })
    .onConflictDoUpdate({ amount });
  await bump(context.db, event.block.number, { slashes: 1, stakeSlashed: amount });
});

ponder.on('TaskManager:TaskCreated', async ({ event, context }) => {
  const { taskKey, creator, taskType, fee, argsCommitment, taskSize } = event.args;
  await context.db
    .insert(task)
    .values({
      taskKey,
      creator,
      taskType: Number(taskType),
      fee,
      argsCommitment,
      taskSize,
      state: 'Pending',
      sampled: false,
      createdBlock: event.block.number,
      createdAt: event.block.timestamp,
      createdTx: event.transaction.hash,
      updatedBlock: event.block.number,
    })
    .onConflictDoNothing();
  await bump(context.db, event.block.number, { tasksCreated: 1 });
});

ponder.on('TaskManager:TaskQueued', async ({ event, context }) => {
  await updateTask(context.db, event.args.taskKey, event.block.number, { state: 'Queued' });
});

ponder.on('TaskManager:TaskStarted', async ({ event, context }) => {
  const { taskKey, node: address } = event.args;
  if (await updateTask(context.db, taskKey, event.block.number, { state: 'Started', node: address })) {
    // The registry logs no NodeStatusChanged for a draw's Available -> Busy: this event is its log.
    await updateNode(context.db, address, (row) => ({
      tasksRun: row.tasksRun + 1,
      status: NODE_BUSY,
      currentTask: taskKey,
    }));
  }
});

/** A report frees its node (Busy -> Available) with no NodeStatusChanged: only if it ran this very task. */
async function releaseAtReport(db: Db, address: Hex, taskKey: Hex): Promise<void> {
  await updateNode(db, address, (row) =>
    row.status === NODE_BUSY && row.currentTask === taskKey
      ? { status: NODE_AVAILABLE, currentTask: null }
      : {},
  );
}

ponder.on('TaskManager:SamplingSeedRecorded', async ({ event, context }) => {
  await updateTask(context.db, event.args.taskKey, event.block.number, { samplingSeed: event.args.seed });
});

ponder.on('TaskManager:TaskScoreReady', async ({ event, context }) => {
  await updateTask(context.db, event.args.taskKey, event.block.number, {
    state: 'ScoreReady',
    score: event.args.score,
  });
  await releaseAtReport(context.db, event.args.node, event.args.taskKey);
});

ponder.on('TaskManager:TaskErrorReported', async ({ event, context }) => {
  await updateTask(context.db, event.args.taskKey, event.block.number, {
    state: 'ErrorReported',
    errorCode: Number(event.args.errorCode),
  });
  await releaseAtReport(context.db, event.args.node, event.args.taskKey);
});

ponder.on('TaskManager:TaskGroupValidated', async ({ event, context }) => {
  const { originalKey, guid, member1, member2 } = event.args;
  await context.db
    .insert(validationGroup)
    .values({
      originalKey,
      guid,
      member1,
      member2,
      block: event.block.number,
      timestamp: event.block.timestamp,
      tx: event.transaction.hash,
    })
    .onConflictDoNothing();
  for (const member of [originalKey, member1, member2]) {
    await updateTask(context.db, member, event.block.number, { sampled: true, groupKey: originalKey });
  }
  await bump(context.db, event.block.number, { groupsValidated: 1 });
});

async function taskPaid(
  db: Db,
  state: string,
  args: { taskKey: Hex; node: Hex; beneficiary: Hex; fee: bigint },
  block: bigint,
  tx: Hex,
): Promise<void> {
  await updateTask(db, args.taskKey, block, { state, paidTo: args.beneficiary, endedTx: tx });
  await updateNode(db, args.node, (row) => ({
    earnings: row.earnings + args.fee,
    tasksPaid: row.tasksPaid + 1,
  }));
  await bump(db, block, { tasksPaid: 1, feesPaid: args.fee });
}

ponder.on('TaskManager:TaskEndSuccess', async ({ event, context }) => {
  await taskPaid(context.db, 'EndSuccess', event.args, event.block.number, event.transaction.hash);
});

ponder.on('TaskManager:TaskEndGroupSuccess', async ({ event, context }) => {
  await taskPaid(context.db, 'EndGroupSuccess', event.args, event.block.number, event.transaction.hash);
});

ponder.on('TaskManager:TaskEndGroupRefund', async ({ event, context }) => {
  await updateTask(context.db, event.args.taskKey, event.block.number, {
    state: 'EndGroupRefund',
    endedTx: event.transaction.hash,
  });
  await bump(context.db, event.block.number, { tasksRefunded: 1 });
});

ponder.on('TaskManager:TaskEndInvalidated', async ({ event, context }) => {
  const { taskKey, node: address } = event.args;
  await updateTask(context.db, taskKey, event.block.number, {
    state: 'EndInvalidated',
    endedTx: event.transaction.hash,
  });
  // The slash of the node comes from the same transaction: link it to this task whichever event came first.
  const id = `${event.transaction.hash}-${address.toLowerCase()}`;
  await context.db
    .insert(slash)
    .values({
      id,
      node: address,
      amount: 0n,
      taskKey,
      block: event.block.number,
      timestamp: event.block.timestamp,
      tx: event.transaction.hash,
    })
    .onConflictDoUpdate({ taskKey });
  await bump(context.db, event.block.number, { tasksRefunded: 1 });
});

ponder.on('TaskManager:TaskEndAborted', async ({ event, context }) => {
  await updateTask(context.db, event.args.taskKey, event.block.number, {
    state: 'EndAborted',
    abortReason: Number(event.args.reason),
    endedTx: event.transaction.hash,
  });
  await bump(context.db, event.block.number, { tasksAborted: 1 });
});
