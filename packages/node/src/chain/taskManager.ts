/**
 * Every call the node makes to the contracts lives here, so that a change of the contracts' interface is
 * adapted in one place. Reads return plain typed values; writes return the request (address, abi, function,
 * args, value) that the transaction sender signs, so that nothing here sends anything by itself.
 */
import {
  type Deployment,
  nodeRegistryAbi,
  type TaskStateName,
  taskManagerAbi,
  taskStates,
} from '@verinet/protocol/chain';
import type { Abi, AbiEvent, Address, Hex, Log, PublicClient } from 'viem';
import { decodeEventLog, toEventSelector } from 'viem';

export type ContractRequest = {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  value?: bigint | undefined;
  /** Extra gas headroom factor in percent over the estimate (node selection draws at random). */
  headroomPercent?: number | undefined;
  /** Refuse to sign when the gas limit (estimate plus headroom) would exceed this. */
  maxGas?: bigint | undefined;
  /**
   * Gas added to the limit on top of the headroom: calls that first settle every pending draw (F1) settle those
   * pending at inclusion, not those of the estimate (others' createTasks land in between): up to 32 more draws.
   * Only gas used is paid; the balance must cover the limit.
   */
  extraGas?: bigint | undefined;
};

/**
 * Draws a settle-all call may meet beyond its estimate (the ring's size) times one draw's worst cost: a draw
 * whose tries all miss and that queues cost 100–105k in forge (32 such draws settled at once, 3, 8 and 200
 * nodes; review s7), so 130k leaves room for the cold reads forge counts warm.
 */
export const SETTLE_ALL_EXTRA_GAS = 32n * 130_000n;

/** On-chain task states (ITaskManager.TaskState). */
export const chainTaskStates = taskStates;
export type ChainTaskState = TaskStateName;

/** Node statuses (INodeRegistry.NodeStatus). */
export const nodeStatuses = ['Quit', 'Available', 'Busy', 'Paused', 'PendingPause', 'PendingQuit'] as const;
export type NodeStatus = (typeof nodeStatuses)[number];

export const abortReasons = [
  'Cancelled',
  'QueuedTimeout',
  'ExecutionTimeout',
  'ErrorAccepted',
  'GroupErrorConfirmed',
  'GroupNoAgreement',
  'DrawExpired',
] as const;

/** The outcome each paid / refunded / slashed end event stands for (TaskEndAborted carries a reason too). */
const endOutcomes = {
  TaskEndSuccess: 'success',
  TaskEndGroupSuccess: 'group_success',
  TaskEndGroupRefund: 'group_refund',
  TaskEndInvalidated: 'invalidated',
} as const;

/** Error code for `reportTaskError`: the arguments are invalid (the only error a node reports). */
export const ERROR_INVALID_ARGUMENTS = 1;

export type ChainTask = {
  state: ChainTaskState;
  taskType: number;
  creator: Address;
  node: Address;
  fee: bigint;
  seedBlock: bigint;
  /** Unix seconds when the task entered its current state. */
  stateTime: bigint;
};

export type Contracts = { taskManager: Address; nodeRegistry: Address };

export const contractsOf = (deployment: Deployment): Contracts => ({
  taskManager: deployment.contracts.taskManager,
  nodeRegistry: deployment.contracts.nodeRegistry,
});

export async function readTask(client: PublicClient, contracts: Contracts, taskKey: Hex): Promise<ChainTask> {
  const task = await client.readContract({
    address: contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'getTask',
    args: [taskKey],
  });
  return {
    state: chainTaskStates[task.state] ?? 'None',
    taskType: task.taskType,
    creator: task.creator,
    node: task.node,
    fee: task.fee,
    seedBlock: task.seedBlock,
    stateTime: task.stateTime,
  };
}

/** Execution timeout of a task type, in seconds. */
export async function readTimeout(
  client: PublicClient,
  contracts: Contracts,
  taskType: number,
): Promise<bigint> {
  return client.readContract({
    address: contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'timeout',
    args: [taskType],
  });
}

export async function readValidationWindow(client: PublicClient, contracts: Contracts): Promise<bigint> {
  return client.readContract({
    address: contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'validationWindow',
  });
}

/** Task fees owed to `account` by the TaskManager (pull payment). */
export async function readOwed(
  client: PublicClient,
  contracts: Contracts,
  account: Address,
): Promise<bigint> {
  return client.readContract({
    address: contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'owed',
    args: [account],
  });
}

export type ChainNodeInfo = {
  status: NodeStatus;
  stake: bigint;
  gpuId: Hex;
  vram: number;
  version: bigint;
  beneficiary: Address;
  currentTask: Hex;
  qosScore: number;
  consecutiveTimeouts: bigint;
  /** Stake returned by the registry and not yet withdrawn. */
  pendingWithdrawal: bigint;
  minStake: bigint;
  /**
   * Tasks this node reported on (score or error) that are not settled yet (F6: the node is free for the next task
   * at its report; until each report is settled its stake stays held, and a quit waits as PendingQuit).
   */
  unsettledReports: bigint;
};

export async function readNodeInfo(
  client: PublicClient,
  contracts: Contracts,
  node: Address,
): Promise<ChainNodeInfo> {
  const registry = { address: contracts.nodeRegistry, abi: nodeRegistryAbi } as const;
  const [info, qosScore, consecutiveTimeouts, pendingWithdrawal, minStake, unsettledReports] =
    await Promise.all([
      client.readContract({ ...registry, functionName: 'getNodeInfo', args: [node] }),
      client.readContract({ ...registry, functionName: 'qosScoreOf', args: [node] }),
      client.readContract({ ...registry, functionName: 'consecutiveTimeoutsOf', args: [node] }),
      client.readContract({ ...registry, functionName: 'pendingWithdrawal', args: [node] }),
      client.readContract({ ...registry, functionName: 'minStake' }),
      client.readContract({ ...registry, functionName: 'unsettledReportsOf', args: [node] }),
    ]);
  return {
    status: nodeStatuses[info.status] ?? 'Quit',
    stake: info.stake,
    gpuId: info.gpuId,
    vram: info.vram,
    version: info.version,
    beneficiary: info.beneficiary,
    currentTask: info.currentTask,
    qosScore,
    consecutiveTimeouts,
    pendingWithdrawal,
    minStake,
    unsettledReports,
  };
}

/** Blocks a Pending draw may wait for its settlement (the creation block's hash is readable for 256). */
export const DRAW_HORIZON_BLOCKS = 256;

/**
 * The args commitment of a task, from its TaskCreated event (the chain keeps only a hash of it), read by the
 * task key (an indexed topic) in bounded windows going back from `nearBlock` (the block of its TaskStarted): a
 * drawn task was created at most 256 blocks before its draw, so one window of 257 blocks finds it; a task that
 * waited in the queue is found in the next windows. The cost does not grow with the chain, only with the time
 * the task waited, and no window exceeds what RPC providers allow per getLogs.
 */
export async function readArgsCommitment(
  client: PublicClient,
  contracts: Contracts,
  taskKey: Hex,
  range: { nearBlock: number; fromBlock: number; windowBlocks?: number | undefined },
): Promise<{ argsCommitment: Hex; fee: bigint; blockNumber: number } | undefined> {
  const event = taskManagerAbi.find((item) => item.type === 'event' && item.name === 'TaskCreated');
  const lowest = Math.max(0, range.fromBlock);
  let to = range.nearBlock;
  let from = Math.max(lowest, to - DRAW_HORIZON_BLOCKS);
  const window = Math.max(1, range.windowBlocks ?? 2_000);
  while (to >= lowest) {
    const logs = await client.getLogs({
      address: contracts.taskManager,
      event: event as Extract<(typeof taskManagerAbi)[number], { type: 'event'; name: 'TaskCreated' }>,
      args: { taskKey },
      fromBlock: BigInt(from),
      toBlock: BigInt(to),
    });
    const found = logs[0];
    if (found) {
      return {
        argsCommitment: found.args.argsCommitment as Hex,
        fee: found.args.fee as bigint,
        blockNumber: Number(found.blockNumber),
      };
    }
    to = from - 1;
    from = Math.max(lowest, to - window + 1);
  }
  return undefined;
}

/**
 * Whether the block that gave a task to a node is provably gone from the chain. Only a positive difference is a
 * proof: the RPC has a block at that height (eth_getBlockByNumber) and that exact block, asked for by its hash
 * (eth_getLogs with blockHash, EIP-234: a replica without the block errors instead of answering []), holds no
 * TaskStarted of the task; and so on a second read `confirmAfterMs` later. A load-balanced RPC may send each call
 * to another replica: a replica behind that block has no block there, or errors on its hash, which is 'unknown'
 * (retried later), never 'gone'; so is any failed read.
 */
export async function readStartStands(
  client: PublicClient,
  contracts: Contracts,
  taskKey: Hex,
  startedBlock: number,
  options: { confirmAfterMs?: number } = {},
): Promise<'stands' | 'gone' | 'unknown'> {
  const first = await readStartOnce(client, contracts, taskKey, startedBlock);
  if (first !== 'gone') return first;
  await new Promise((resolve) => setTimeout(resolve, options.confirmAfterMs ?? 2_000));
  return readStartOnce(client, contracts, taskKey, startedBlock);
}

/** One read of readStartStands: the block now at `startedBlock`, and its TaskStarted of the task by its hash. */
async function readStartOnce(
  client: PublicClient,
  contracts: Contracts,
  taskKey: Hex,
  startedBlock: number,
): Promise<'stands' | 'gone' | 'unknown'> {
  try {
    const block = await client.getBlock({ blockNumber: BigInt(startedBlock) });
    if (!block.hash) return 'unknown';
    const event = taskManagerAbi.find((item) => item.type === 'event' && item.name === 'TaskStarted');
    const logs = await client.getLogs({
      address: contracts.taskManager,
      event: event as Extract<(typeof taskManagerAbi)[number], { type: 'event'; name: 'TaskStarted' }>,
      args: { taskKey },
      blockHash: block.hash,
    });
    return logs.length > 0 ? 'stands' : 'gone';
  } catch {
    // No block at that height (a replica behind it), an unknown hash (EIP-234), a failed call: no proof.
    return 'unknown';
  }
}

/** The key whose statements the TaskManager requires (ArgsAvailable, ResultAvailable); zero when none. */
export async function readRelaySigner(client: PublicClient, contracts: Contracts): Promise<Address> {
  return client.readContract({
    address: contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'relaySigner',
  });
}

/** Unix seconds of the latest block (the contracts' clock for timeouts). */
export async function readChainTime(client: PublicClient): Promise<number> {
  const block = await client.getBlock({ blockTag: 'latest' });
  return Number(block.timestamp);
}

export type NodeHistory = {
  slashed: { blockNumber: number; amount: bigint }[];
  kickedOut: { blockNumber: number; consecutiveTimeouts: bigint }[];
  /** Tasks of this node that ended invalidated (the reason for a slash). */
  invalidated: { blockNumber: number; taskKey: Hex }[];
};

/** Slashes, kick-outs and invalidated tasks of a node since `fromBlock`, from the events. */
export async function readNodeHistory(
  client: PublicClient,
  contracts: Contracts,
  node: Address,
  fromBlock: number,
): Promise<NodeHistory> {
  const pick = (abi: readonly unknown[], name: string) =>
    (abi as { type: string; name?: string }[]).find((i) => i.type === 'event' && i.name === name) as never;
  const [slashed, kicked, invalidated] = await Promise.all([
    client.getLogs({
      address: contracts.nodeRegistry,
      event: pick(nodeRegistryAbi, 'NodeSlashed'),
      args: { node } as never,
      fromBlock: BigInt(fromBlock),
    }),
    client.getLogs({
      address: contracts.nodeRegistry,
      event: pick(nodeRegistryAbi, 'NodeKickedOut'),
      args: { node } as never,
      fromBlock: BigInt(fromBlock),
    }),
    client.getLogs({
      address: contracts.taskManager,
      event: pick(taskManagerAbi, 'TaskEndInvalidated'),
      args: { node } as never,
      fromBlock: BigInt(fromBlock),
    }),
  ]);
  type Decoded = { blockNumber: bigint; args: Record<string, unknown> };
  const rows = (logs: unknown) => logs as Decoded[];
  return {
    slashed: rows(slashed).map((l) => ({
      blockNumber: Number(l.blockNumber),
      amount: l.args.amount as bigint,
    })),
    kickedOut: rows(kicked).map((l) => ({
      blockNumber: Number(l.blockNumber),
      consecutiveTimeouts: l.args.consecutiveTimeouts as bigint,
    })),
    invalidated: rows(invalidated).map((l) => ({
      blockNumber: Number(l.blockNumber),
      taskKey: l.args.taskKey as Hex,
    })),
  };
}

/** The sampling seed of a task: the recorded one, else the seed block's hash while it is readable, else zero. */
export async function readRecordedSeed(
  client: PublicClient,
  contracts: Contracts,
  taskKey: Hex,
): Promise<Hex> {
  return client.readContract({
    address: contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'samplingSeed',
    args: [taskKey],
  });
}

/** How many tasks wait for their draw (F1), whether or not their creation block is sealed yet. */
export async function readPendingDraws(client: PublicClient, contracts: Contracts): Promise<bigint> {
  return client.readContract({
    address: contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'pendingDraws',
  });
}

/**
 * How many draws a `settleDraws()` sent now would settle: a call against the pending block, where the tasks
 * created in the latest block are settleable already (their creation block is sealed).
 */
export async function simulateSettleDraws(
  client: PublicClient,
  contracts: Contracts,
  account: Address,
): Promise<bigint> {
  const { result } = await client.simulateContract({
    address: contracts.taskManager,
    abi: taskManagerAbi,
    functionName: 'settleDraws',
    account,
    blockTag: 'pending',
  });
  return result;
}

/** The node's on-chain status alone (one read). */
export async function readNodeStatus(
  client: PublicClient,
  contracts: Contracts,
  node: Address,
): Promise<NodeStatus> {
  const info = await client.readContract({
    address: contracts.nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: 'getNodeInfo',
    args: [node],
  });
  return nodeStatuses[info.status] ?? 'Quit';
}

// --- writes (requests for the transaction sender) ---

/**
 * `relaySignature`: the relay's ResultAvailable(taskKey, keccak256(score)) statement, required while the
 * TaskManager has a relay signer (`0x` without one).
 */
export const submitScoreRequest = (
  contracts: Contracts,
  taskKey: Hex,
  score: Hex,
  relaySignature: Hex = '0x',
): ContractRequest => ({
  address: contracts.taskManager,
  abi: taskManagerAbi,
  functionName: 'submitScore',
  args: [taskKey, score, relaySignature],
  extraGas: SETTLE_ALL_EXTRA_GAS,
});

export const reportTaskErrorRequest = (contracts: Contracts, taskKey: Hex): ContractRequest => ({
  address: contracts.taskManager,
  abi: taskManagerAbi,
  functionName: 'reportTaskError',
  args: [taskKey, ERROR_INVALID_ARGUMENTS],
  extraGas: SETTLE_ALL_EXTRA_GAS,
});

export const recordSamplingSeedRequest = (contracts: Contracts, taskKey: Hex): ContractRequest => ({
  address: contracts.taskManager,
  abi: taskManagerAbi,
  functionName: 'recordSamplingSeed',
  args: [taskKey],
});

export const finalizeTaskRequest = (contracts: Contracts, taskKey: Hex): ContractRequest => ({
  address: contracts.taskManager,
  abi: taskManagerAbi,
  functionName: 'finalizeTask',
  args: [taskKey],
  extraGas: SETTLE_ALL_EXTRA_GAS,
});

export const abortTaskRequest = (contracts: Contracts, taskKey: Hex): ContractRequest => ({
  address: contracts.taskManager,
  abi: taskManagerAbi,
  functionName: 'abortTask',
  args: [taskKey],
  extraGas: SETTLE_ALL_EXTRA_GAS,
});

/** `maxGas`: the draws are bounded (64 per ring) but each costs a node selection; refuse anything above. */
export const settleDrawsRequest = (contracts: Contracts, maxGas?: bigint): ContractRequest => ({
  address: contracts.taskManager,
  abi: taskManagerAbi,
  functionName: 'settleDraws',
  args: [],
  extraGas: SETTLE_ALL_EXTRA_GAS,
  maxGas,
});

export const withdrawEarningsRequest = (contracts: Contracts): ContractRequest => ({
  address: contracts.taskManager,
  abi: taskManagerAbi,
  functionName: 'withdraw',
  args: [],
});

export type JoinRequestParameters = {
  gpuName: string;
  vram: number;
  version: bigint;
  publicKey: Hex;
  beneficiary: Address;
  modelIds: Hex[];
  stake: bigint;
};

export const joinRequest = (contracts: Contracts, p: JoinRequestParameters): ContractRequest => ({
  address: contracts.nodeRegistry,
  abi: nodeRegistryAbi,
  functionName: 'join',
  args: [p.gpuName, p.vram, p.version, p.publicKey, p.beneficiary, p.modelIds],
  value: p.stake,
});

const registryCall = (
  contracts: Contracts,
  functionName: string,
  args: readonly unknown[] = [],
): ContractRequest => ({
  address: contracts.nodeRegistry,
  abi: nodeRegistryAbi,
  functionName,
  args,
});

export const pauseRequest = (contracts: Contracts) => registryCall(contracts, 'pause');
export const resumeRequest = (contracts: Contracts) => registryCall(contracts, 'resume');
export const quitRequest = (contracts: Contracts) => registryCall(contracts, 'quit');
export const withdrawStakeRequest = (contracts: Contracts) => registryCall(contracts, 'withdraw');
export const updateModelsRequest = (contracts: Contracts, modelIds: Hex[]) =>
  registryCall(contracts, 'updateModels', [modelIds]);
/** F6: the least fee a task must pay to be drawn or dispatched on this node. */
export const setPriceFloorRequest = (contracts: Contracts, floorWei: bigint) =>
  registryCall(contracts, 'setPriceFloor', [floorWei]);

export async function readPriceFloor(
  client: PublicClient,
  contracts: Contracts,
  node: Address,
): Promise<bigint> {
  return client.readContract({
    address: contracts.nodeRegistry,
    abi: nodeRegistryAbi,
    functionName: 'priceFloorOf',
    args: [node],
  });
}

export const dispatchQueuedRequest = (contracts: Contracts, node: Address): ContractRequest => ({
  address: contracts.taskManager,
  abi: taskManagerAbi,
  functionName: 'dispatchQueued',
  args: [node],
});

// --- events ---

/** What the node learns from the chain, already filtered to this node and decoded. */
export type NodeEvent =
  | { kind: 'taskStarted'; taskKey: Hex; taskType: number; blockNumber: number }
  | { kind: 'taskCreated'; taskKey: Hex; argsCommitment: Hex; fee: bigint; blockNumber: number }
  /** Any task's draw was settled (a node, the queue, or DrawExpired), whichever node it went to. */
  | { kind: 'taskDrawn'; taskKey: Hex; blockNumber: number }
  /** A queued task went back to the pending draws (review M2, TaskRedraw): a later settlement draws its node. */
  | { kind: 'taskRedraw'; taskKey: Hex; blockNumber: number }
  | { kind: 'scoreReady'; taskKey: Hex; blockNumber: number }
  | { kind: 'errorReported'; taskKey: Hex; blockNumber: number }
  | {
      kind: 'taskEnded';
      taskKey: Hex;
      outcome: 'success' | 'group_success' | 'group_refund' | 'invalidated' | 'aborted';
      reason?: string;
      fee: bigint;
      blockNumber: number;
    }
  | { kind: 'slashed'; amount: bigint; blockNumber: number }
  | { kind: 'kickedOut'; consecutiveTimeouts: bigint; blockNumber: number }
  | { kind: 'statusChanged'; from: NodeStatus; to: NodeStatus; blockNumber: number };

const eventAbi = [...taskManagerAbi, ...nodeRegistryAbi].filter(
  (item) => item.type === 'event',
) as AbiEvent[];

/**
 * The events by selector, computed once (the first of the two ABIs wins a shared signature, as decodeEventLog's
 * search does): decodeEventLog over the whole list formats and looks up the selector of each event until one matches.
 */
const eventsBySelector = new Map<Hex, AbiEvent>();
for (const item of eventAbi) {
  const selector = toEventSelector(item);
  if (!eventsBySelector.has(selector)) eventsBySelector.set(selector, item);
}

/** A decoded log, with its emitter and its `node` argument (if any) in lower case. */
type DecodedLog = {
  eventName: string;
  args: Record<string, unknown>;
  address: string;
  node: string | undefined;
};

/**
 * Decoded once per log object: the daemons of one process share a feed's logs (createChainFeed), so the 20 of a
 * devnet decode and lower-case each log once between them instead of once each.
 */
const decodedLogs = new WeakMap<Log, DecodedLog | null>();

function decodeLog(log: Log): DecodedLog | null {
  let decoded = decodedLogs.get(log);
  if (decoded !== undefined) return decoded;
  const item = log.topics[0] ? eventsBySelector.get(log.topics[0]) : undefined;
  try {
    if (!item) throw new Error('not an event of these contracts');
    const { eventName, args } = decodeEventLog({
      abi: [item],
      data: log.data,
      topics: log.topics,
    }) as unknown as {
      eventName: string;
      args: Record<string, unknown>;
    };
    decoded = {
      eventName,
      args,
      address: log.address.toLowerCase(),
      node: typeof args.node === 'string' ? args.node.toLowerCase() : undefined,
    };
  } catch {
    decoded = null;
  }
  decodedLogs.set(log, decoded);
  return decoded;
}

/**
 * Decodes logs of both contracts into the events that concern `node`. TaskCreated is kept for every task
 * (the node learns the args commitment of its task from it: TaskStarted may come in a later block, for a
 * queued task); the daemon keeps only those it needs.
 */
export function decodeNodeEvents(logs: Log[], contracts: Contracts, node: Address): NodeEvent[] {
  const me = node.toLowerCase();
  const taskManager = contracts.taskManager.toLowerCase();
  const nodeRegistry = contracts.nodeRegistry.toLowerCase();
  const out: NodeEvent[] = [];
  for (const log of logs) {
    const decoded = decodeLog(log);
    if (!decoded) continue; // an event this build does not know
    if (decoded.address !== taskManager && decoded.address !== nodeRegistry) continue;
    const a = decoded.args;
    const blockNumber = Number(log.blockNumber);
    const mine = decoded.node === me;
    switch (decoded.eventName) {
      case 'TaskCreated':
        out.push({
          kind: 'taskCreated',
          taskKey: a.taskKey as Hex,
          argsCommitment: a.argsCommitment as Hex,
          fee: a.fee as bigint,
          blockNumber,
        });
        break;
      case 'TaskQueued':
        out.push({ kind: 'taskDrawn', taskKey: a.taskKey as Hex, blockNumber });
        break;
      case 'TaskRedraw':
        out.push({ kind: 'taskRedraw', taskKey: a.taskKey as Hex, blockNumber });
        break;
      case 'TaskStarted':
        out.push({ kind: 'taskDrawn', taskKey: a.taskKey as Hex, blockNumber });
        if (mine)
          out.push({
            kind: 'taskStarted',
            taskKey: a.taskKey as Hex,
            taskType: Number(a.taskType),
            blockNumber,
          });
        break;
      case 'TaskScoreReady':
        if (mine) out.push({ kind: 'scoreReady', taskKey: a.taskKey as Hex, blockNumber });
        break;
      case 'TaskErrorReported':
        if (mine) out.push({ kind: 'errorReported', taskKey: a.taskKey as Hex, blockNumber });
        break;
      case 'TaskEndSuccess':
      case 'TaskEndGroupSuccess':
      case 'TaskEndGroupRefund':
      case 'TaskEndInvalidated':
        // These name the task's node: another node's task end is none of this node's business (20 devnet daemons
        // each looked every task end up in SQLite). TaskEndAborted names none: kept for every task.
        if (!mine) break;
        out.push({
          kind: 'taskEnded',
          taskKey: a.taskKey as Hex,
          outcome: endOutcomes[decoded.eventName as keyof typeof endOutcomes],
          fee: a.fee as bigint,
          blockNumber,
        });
        break;
      case 'TaskEndAborted':
        if (abortReasons[Number(a.reason)] === 'DrawExpired')
          out.push({ kind: 'taskDrawn', taskKey: a.taskKey as Hex, blockNumber });
        out.push({
          kind: 'taskEnded',
          taskKey: a.taskKey as Hex,
          outcome: 'aborted',
          reason: abortReasons[Number(a.reason)] ?? `reason ${a.reason}`,
          fee: a.fee as bigint,
          blockNumber,
        });
        break;
      case 'NodeSlashed':
        if (mine) out.push({ kind: 'slashed', amount: a.amount as bigint, blockNumber });
        break;
      case 'NodeKickedOut':
        if (mine)
          out.push({ kind: 'kickedOut', consecutiveTimeouts: a.consecutiveTimeouts as bigint, blockNumber });
        break;
      case 'NodeStatusChanged':
        if (mine)
          out.push({
            kind: 'statusChanged',
            from: nodeStatuses[Number(a.from)] ?? 'Quit',
            to: nodeStatuses[Number(a.to)] ?? 'Quit',
            blockNumber,
          });
        break;
    }
  }
  return out;
}
