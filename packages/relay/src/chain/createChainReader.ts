import { nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import { poolHttp } from '@verinet/protocol/http';
import {
  type Address,
  BaseError,
  createPublicClient,
  decodeEventLog,
  type Hex,
  hexToBigInt,
  numberToHex,
  type PublicClient,
  RpcError,
  RpcRequestError,
  toEventSelector,
  UnknownRpcError,
} from 'viem';
import { RelayError } from '../errors/RelayError.js';
import { onChainTaskTypes, type TaskStateName, taskStates } from './taskStates.js';

export type ChainTask = {
  state: TaskStateName;
  taskType: (typeof onChainTaskTypes)[number] | undefined;
  creator: Address;
  /** Zero address while queued and after the end (the contract clears it). */
  node: Address;
};

export type TaskCreatedEvent = {
  taskKey: Hex;
  creator: Address;
  taskType: (typeof onChainTaskTypes)[number] | undefined;
  argsCommitment: Hex;
  blockNumber: bigint;
};

export type ChainReader = {
  chainId: number;
  taskManager: Address;
  /**
   * The task's record as the relay's view of the chain shows it. The view is the task-state index of the log
   * follower (see {@link createChainReader}), brought up to the chain head at most every `cacheMs` (so a state
   * change, or a reorg of up to {@link followDepth} blocks, is seen at most `cacheMs` after its block reaches the
   * relay's RPC). `fresh` and `recheck`: the view is brought up to a head read after this call began (begun at
   * once when no sync is in flight nor began within `syncIntervalMs`, else as soon as both allow, shared by every
   * caller that arrived meanwhile), so a refusal is never made from a view older than the request: a client that just saw a block is
   * not told to come back. `since` (a `Date.now()` value): the
   * view must come from a head read begun at or after it (a retention pass checks all its tasks in one view).
   */
  getTask(taskKey: Hex, options?: { fresh?: boolean; recheck?: boolean; since?: number }): Promise<ChainTask>;
  getTaskCreated(taskKey: Hex): Promise<TaskCreatedEvent | undefined>;
  /** The score of the task's TaskScoreReady event, if it was emitted. */
  getTaskScore(taskKey: Hex): Promise<Hex | undefined>;
  /** TaskCreated events in a block range (the retention job links pre-task uploads with them). */
  getTaskCreatedRange(fromBlock: bigint, toBlock: bigint): Promise<TaskCreatedEvent[]>;
  /** The largest block range the reader asks for in one eth_getLogs call. */
  maxLogRange: bigint;
  getBlockNumber(): Promise<bigint>;
  /** Registered nodes declaring `modelId`; undefined when the reader was given no NodeRegistry. */
  getModelHolderCount(modelId: Hex): Promise<bigint | undefined>;
};

export type CreateChainReaderParameters = {
  rpcUrl: string;
  chainId: number;
  taskManager: Address;
  /** Checks that some node declares a task's models (left out: no model check). */
  nodeRegistry?: Address | undefined;
  /** First block to search for events (the deployment's). */
  startBlock: bigint;
  /** Largest block range of one eth_getLogs request (many providers cap it). */
  maxLogRange?: bigint | undefined;
  cacheMs?: number | undefined;
  /**
   * Longest wait for one chain read (default {@link defaultReadTimeoutMs}), whatever the client: a read past it
   * fails as CHAIN_UNAVAILABLE (retryable) and is dropped from the shared head and task reads, so the next request
   * reads again instead of waiting on an answer that never comes.
   */
  readTimeoutMs?: number | undefined;
  /**
   * Least time between the starts of two syncs (default {@link defaultSyncIntervalMs}): a sync asked sooner after
   * the previous one began starts once that time has passed, shared by every request that arrives meanwhile.
   */
  syncIntervalMs?: number | undefined;
  client?: PublicClient | undefined;
};

/**
 * Least time between the starts of two syncs: however many refusals clients repeat (fresh signers escape the
 * per-signer rate limit), the relay reads the head at most 1000 / 80 = 12.5 times per second (review s13: one
 * per RPC round trip, 357 per second on anvil, without it). A request that finds no sync begun this recently
 * syncs at once.
 */
export const defaultSyncIntervalMs = 80;

/**
 * Bound of one read: above the default client's own (poolHttp, as viem's http: 10 s per try, one retry), so that it cuts only
 * a read that client would not end, or one through a client without a timeout of its own.
 */
export const defaultReadTimeoutMs = 25_000;

/** Blocks of the first range searched for a task's event (see findLatestLog). */
const firstLogRange = 64n;

/**
 * Blocks the log follower reads again at each sync: a reorg at most this deep (or logs a lagging, load-balanced
 * RPC node left out) is seen at the next sync, as a difference between the logs recorded for those blocks and the
 * logs read now, and drops the whole index (states are read again with eth_call). A deeper reorg is not seen by
 * the index; nor was it by the relay's earlier event cache (events were kept once seen).
 */
export const followDepth = 64n;

/** Task events that change a task's state (each carries the task key as its first topic), by topic. */
const stateEvents = [
  'TaskCreated',
  'TaskQueued',
  'TaskRedraw',
  'TaskStarted',
  'TaskScoreReady',
  'TaskErrorReported',
  'TaskEndSuccess',
  'TaskEndGroupSuccess',
  'TaskEndGroupRefund',
  'TaskEndInvalidated',
  'TaskEndAborted',
] as const;
type StateEvent = (typeof stateEvents)[number];
const eventByTopic = new Map<Hex, StateEvent>(
  stateEvents.map((name) => {
    const item = taskManagerAbi.find((entry) => entry.type === 'event' && entry.name === name);
    if (!item) throw new Error(`TaskManager ABI has no event ${name}`);
    return [toEventSelector(item as Parameters<typeof toEventSelector>[0]), name];
  }),
);
/** The state each event leaves its task in (TaskManager.sol: every state change emits one of them). */
const stateAfter: Record<Exclude<StateEvent, 'TaskCreated'>, TaskStateName> = {
  TaskQueued: 'Queued',
  TaskRedraw: 'Pending',
  TaskStarted: 'Started',
  TaskScoreReady: 'ScoreReady',
  TaskErrorReported: 'ErrorReported',
  TaskEndSuccess: 'EndSuccess',
  TaskEndGroupSuccess: 'EndGroupSuccess',
  TaskEndGroupRefund: 'EndGroupRefund',
  TaskEndInvalidated: 'EndInvalidated',
  TaskEndAborted: 'EndAborted',
};
const zeroAddress = `0x${'0'.repeat(40)}` as Address;

type RawLog = {
  blockNumber: Hex;
  blockHash: Hex;
  logIndex: Hex;
  topics: Hex[];
  data: Hex;
};

const chainFailure = (cause: unknown) =>
  new RelayError('CHAIN_UNAVAILABLE', 'The relay cannot read the chain right now.', { cause, retryAfter: 2 });

/** The RPC answered with an error (not a lost answer, a timeout or a refused connection). */
function isRpcAnswer(error: unknown): boolean {
  return (
    error instanceof BaseError &&
    error.walk(
      (cause) =>
        cause instanceof RpcRequestError ||
        (cause instanceof RpcError && !(cause instanceof UnknownRpcError)),
    ) !== null
  );
}

/**
 * `read`, or a rejection once `ms` passed. The read itself cannot be cancelled (viem's actions take no signal):
 * its late answer is dropped, and its late failure handled, so a lost answer costs one bounded wait.
 */
function withTimeout<T>(read: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what}: no answer from the chain within ${ms} ms`)),
      ms,
    );
    read.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Chain reads through viem (its default client on the process's keep-alive HTTP pools: poolHttp), around a
 * forward log follower: each sync reads the head block and, when it changed, the TaskManager's state events
 * since the last sync (one eth_getLogs, the last {@link followDepth} blocks read again to see reorgs). The
 * follower records TaskCreated and TaskScoreReady events (the lookups of getTaskCreated and getTaskScore; the
 * backward search is only the fallback for tasks older than the follower) and keeps an index of task states:
 * a task created while the relay follows gets its state from its events (every state change of TaskManager.sol
 * emits one, the task key its first topic), an older one from one eth_call at the followed block, its later events
 * applied on top. Staleness: the index is the chain at the last sync's head; a request syncs first when that head
 * was read more than `cacheMs` ago (1 s by default), a refusal or a `fresh` read when it was read before the
 * request began. A reorg within {@link followDepth} blocks drops the index at the next sync.
 *
 * @example
 * const chain = createChainReader({ rpcUrl, chainId, taskManager, startBlock: 0n });
 */
export function createChainReader(parameters: CreateChainReaderParameters): ChainReader {
  const client =
    parameters.client ??
    (createPublicClient({ transport: poolHttp(parameters.rpcUrl, { retryCount: 1 }) }) as PublicClient);
  const cacheMs = parameters.cacheMs ?? 1000;
  const syncIntervalMs = parameters.syncIntervalMs ?? defaultSyncIntervalMs;
  const readTimeoutMs = parameters.readTimeoutMs ?? defaultReadTimeoutMs;
  const bounded = <T>(read: Promise<T>, what: string) => withTimeout(read, readTimeoutMs, what);
  const maxLogRange = parameters.maxLogRange ?? 5_000n;
  const window = followDepth < maxLogRange ? followDepth : maxLogRange;
  const address = parameters.taskManager;
  const topicFilter = [[...eventByTopic.keys()]];

  type Head = { number: bigint; hash: Hex };
  /** The block the index shows the chain at (the last sync's head). */
  let cursor: Head | undefined;
  /** Identities (block hash and log index) of the state events of the last `window` blocks, in chain order. */
  let recent: { blockNumber: bigint; id: string }[] = [];
  /** Task states at `cursor`; tasks not in it are read with eth_call. */
  const states = new Map<Hex, ChainTask>();
  /** Block of each task's last state event seen: an eth_call read at an older block is not kept. */
  const lastEvent = new Map<Hex, bigint>();
  /** Bumped when the index is dropped (a reorg): reads begun before are not kept. */
  let epoch = 0;
  /** Start time of the last sync that succeeded. */
  let lastDone = Number.NEGATIVE_INFINITY;
  /** Start time of the last sync begun, whether it succeeded or not (the interval counts from it). */
  let lastBegun = Number.NEGATIVE_INFINITY;
  /** The sync in flight or waiting to begin (`startedAt` undefined until its head read begins). */
  let inFlight: { startedAt: number | undefined; promise: Promise<void> } | undefined;
  /** Reads in flight, by task and followed block: concurrent requests for one task share one eth_call. */
  const taskReads = new Map<string, Promise<ChainTask>>();
  const created = new Map<Hex, TaskCreatedEvent>();
  const scores = new Map<Hex, { score: Hex; blockNumber: bigint }>();
  const modelHolders = new Map<Hex, { count: bigint; at: number }>();
  const bound = (map: Map<Hex, unknown>) => {
    // Bounded: the oldest entries go first (Map keeps insertion order).
    if (map.size > 50_000) for (const key of [...map.keys()].slice(0, 10_000)) map.delete(key);
  };
  const toCreated = (log: {
    args: { taskKey?: Hex; creator?: Address; taskType?: number; argsCommitment?: Hex };
    blockNumber: bigint | null;
  }): TaskCreatedEvent => ({
    taskKey: log.args.taskKey!.toLowerCase() as Hex,
    creator: log.args.creator!.toLowerCase() as Address,
    taskType: onChainTaskTypes[log.args.taskType ?? 255],
    argsCommitment: log.args.argsCommitment!.toLowerCase() as Hex,
    blockNumber: log.blockNumber ?? 0n,
  });

  async function getBlockNumber(): Promise<bigint> {
    try {
      // Not viem's getBlockNumber: it shares one in-flight call per client until that call settles, so one lost
      // answer (a transport without a timeout) would hang every later head read of the process, bound or not.
      return hexToBigInt(await bounded(client.request({ method: 'eth_blockNumber' }), 'eth_blockNumber'));
    } catch (cause) {
      throw chainFailure(cause);
    }
  }

  /** The latest block's number and hash (one eth_getBlockByNumber without transactions). */
  async function readHead(): Promise<Head> {
    let block: { number?: Hex | null; hash?: Hex | null } | null;
    try {
      block = (await bounded(
        client.request({ method: 'eth_getBlockByNumber', params: ['latest', false] }),
        'eth_getBlockByNumber',
      )) as { number?: Hex | null; hash?: Hex | null } | null;
    } catch (cause) {
      throw chainFailure(cause);
    }
    if (!block?.number || !block.hash) throw chainFailure(new Error('the RPC returned no latest block'));
    return { number: hexToBigInt(block.number), hash: block.hash.toLowerCase() as Hex };
  }

  async function readStateLogs(fromBlock: bigint, toBlock: bigint): Promise<RawLog[]> {
    try {
      return (await bounded(
        client.request({
          method: 'eth_getLogs',
          params: [
            {
              address,
              topics: topicFilter,
              fromBlock: numberToHex(fromBlock),
              toBlock: numberToHex(toBlock),
            },
          ],
        } as never),
        'eth_getLogs (follower)',
      )) as RawLog[];
    } catch (cause) {
      throw chainFailure(cause);
    }
  }

  /** Drops the index and the events recorded from `fromBlock` on (a reorg, or a gap too long to read). */
  function reset(fromBlock: bigint): void {
    epoch++;
    states.clear();
    lastEvent.clear();
    recent = [];
    for (const [key, event] of created) if (event.blockNumber >= fromBlock) created.delete(key);
    for (const [key, score] of scores) if (score.blockNumber >= fromBlock) scores.delete(key);
  }

  /** The arguments of one of the follower's raw logs, decoded as `eventName` of TaskManager. */
  function decodeArgs<Args>(eventName: 'TaskCreated' | 'TaskScoreReady', log: RawLog): Args {
    return (
      decodeEventLog({
        abi: taskManagerAbi,
        eventName,
        topics: log.topics as [Hex, ...Hex[]],
        data: log.data,
      }) as {
        args: unknown;
      }
    ).args as Args;
  }

  /** Records one state event and applies it to its task's indexed state. */
  function apply(log: RawLog, blockNumber: bigint): void {
    const name = eventByTopic.get(log.topics[0]!);
    const taskKey = log.topics[1]?.toLowerCase() as Hex | undefined;
    if (!name || !taskKey) return;
    lastEvent.set(taskKey, blockNumber);
    bound(lastEvent);
    if (name === 'TaskCreated') {
      const args = decodeArgs<{ taskKey: Hex; creator: Address; taskType: number; argsCommitment: Hex }>(
        'TaskCreated',
        log,
      );
      const event = toCreated({ args, blockNumber });
      created.set(taskKey, event);
      bound(created);
      states.set(taskKey, {
        state: 'Pending',
        taskType: event.taskType,
        creator: event.creator,
        node: zeroAddress,
      });
      bound(states);
      return;
    }
    if (name === 'TaskScoreReady') {
      const { score } = decodeArgs<{ score: Hex }>('TaskScoreReady', log);
      scores.set(taskKey, { score: score.toLowerCase() as Hex, blockNumber });
      bound(scores);
    }
    const known = states.get(taskKey);
    // A task older than the index: its state is read with eth_call when asked (at a block after this event).
    if (!known) return;
    const state = stateAfter[name];
    // The node: set by TaskStarted (its second topic), kept by the reports, cleared at the end and while the task
    // waits for a draw (getTask answers zero then).
    let node = known.node;
    if (name === 'TaskStarted') node = `0x${log.topics[2]!.slice(26).toLowerCase()}` as Address;
    else if (state !== 'ScoreReady' && state !== 'ErrorReported') node = zeroAddress;
    states.set(taskKey, { ...known, state, node });
  }

  /** One sync: the head, and when it changed the state events since the cursor (and the last `window` blocks). */
  async function sync(): Promise<void> {
    const head = await readHead();
    if (cursor && head.hash === cursor.hash) return;
    // A head below the view: most often a load-balanced RPC's backend a block or two behind, not a reorg (a reorg
    // replaces blocks at the same or a greater height). The view is kept: dropping it each time a lagging backend
    // answers would re-read every older task (review s12). A chain that really went back (a devnet reloaded from an
    // older save) is seen once it grows past the view: the blocks read again then differ.
    if (cursor && head.number < cursor.number) return;
    const previous = cursor;
    const continues =
      previous !== undefined &&
      head.number + window > previous.number &&
      head.number - previous.number + window <= maxLogRange;
    const base = continues && previous.number < head.number ? previous.number : head.number;
    const fromBlock = base - window + 1n > parameters.startBlock ? base - window + 1n : parameters.startBlock;
    if (fromBlock > head.number) {
      cursor = head;
      return;
    }
    const logs = await readStateLogs(fromBlock, head.number);
    const read = logs.map((log) => ({ log, blockNumber: hexToBigInt(log.blockNumber) }));
    const idOf = (log: RawLog) => `${log.blockHash.toLowerCase()}:${log.logIndex}`;
    let applyFrom = fromBlock;
    if (continues) {
      // The logs of the blocks read again must be the ones recorded for them: any difference is a reorg (or an
      // RPC node that had not seen them), and the index is rebuilt from what the chain shows now.
      const before = recent.filter((entry) => entry.blockNumber >= fromBlock).map((entry) => entry.id);
      const again = read
        .filter((entry) => entry.blockNumber <= previous.number)
        .map((entry) => idOf(entry.log));
      if (before.length === again.length && before.every((id, index) => id === again[index]))
        applyFrom = previous.number + 1n;
      else reset(fromBlock);
    } else reset(fromBlock);
    for (const entry of read) {
      if (entry.blockNumber < applyFrom) continue;
      apply(entry.log, entry.blockNumber);
      recent.push({ blockNumber: entry.blockNumber, id: idOf(entry.log) });
    }
    const keepFrom = head.number - window + 1n;
    if (recent.length > 0 && recent[0]!.blockNumber < keepFrom)
      recent = recent.filter((entry) => entry.blockNumber >= keepFrom);
    cursor = head;
  }

  /**
   * Returns once a sync whose head read began at or after `since` succeeded: joins the one in flight if it began
   * late enough (or has not begun yet), else waits for it to end and begins the next (callers that arrived
   * meanwhile join that one). On demand, coalesced and spaced: at most one sync is in flight, and one begins no
   * sooner than `syncIntervalMs` after the previous one began, so however many requests ask, the relay makes at
   * most one head read (and one eth_getLogs when the head moved) per `syncIntervalMs` or per round trip to its RPC,
   * whichever is longer. A request for a task the view does not know yet (a node asking right after its draw)
   * waits for one sync: at once when none began within the interval, not for a fixed timer.
   */
  async function syncSince(since: number): Promise<void> {
    while (lastDone < since) {
      if (inFlight) {
        if (inFlight.startedAt === undefined || inFlight.startedAt >= since) {
          await inFlight.promise;
          return;
        }
        await inFlight.promise.catch(() => undefined);
        continue;
      }
      const wait = lastBegun + syncIntervalMs - Date.now();
      const flight: { startedAt: number | undefined; promise: Promise<void> } = {
        startedAt: undefined,
        promise: Promise.resolve(),
      };
      const begin = async () => {
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        // Every caller that joined while the flight waited asked before this moment: the head read is after them.
        const startedAt = Date.now();
        flight.startedAt = startedAt;
        lastBegun = startedAt;
        await sync();
        if (startedAt > lastDone) lastDone = startedAt;
      };
      flight.promise = begin().finally(() => {
        if (inFlight === flight) inFlight = undefined;
      });
      inFlight = flight;
    }
  }

  const callGetTask = (taskKey: Hex, blockNumber: bigint | undefined) =>
    bounded(
      client.readContract({
        address,
        abi: taskManagerAbi,
        functionName: 'getTask',
        args: [taskKey],
        ...(blockNumber === undefined ? {} : { blockNumber }),
      }),
      'getTask',
    );

  /**
   * The task at `blockNumber` (the followed head; `atBlock`), else at the latest block when the RPC answered that
   * it has no state for that block: an RPC keeps the states of recent blocks only (geth 128, the devnet's anvil 64
   * by `--prune-history`), and a load-balanced RPC's backend may not have the block yet. An answer at "latest" is
   * not indexed (`atBlock` false): that backend may be behind the followed head, and an older state indexed as
   * the head's would stay until the task's next event (review s12: a node refused its task's arguments until
   * the task timed out).
   */
  async function readTask(taskKey: Hex, blockNumber: bigint): Promise<{ task: ChainTask; atBlock: boolean }> {
    let info: { state: number; taskType: number; creator: Address; node: Address };
    let atBlock = true;
    try {
      info = await callGetTask(taskKey, blockNumber).catch((error: unknown) => {
        if (!isRpcAnswer(error)) throw error;
        atBlock = false;
        return callGetTask(taskKey, undefined);
      });
    } catch (cause) {
      throw chainFailure(cause);
    }
    return {
      task: {
        state: taskStates[info.state] ?? 'None',
        taskType: onChainTaskTypes[info.taskType],
        creator: info.creator.toLowerCase() as Address,
        node: info.node.toLowerCase() as Address,
      },
      atBlock,
    };
  }

  /**
   * The newest `eventName` log of a task, searched from the latest block back to the deployment: a task the relay
   * is asked about is usually a few blocks old, so the first range is `firstLogRange` blocks and each next one 8×
   * larger, up to `maxLogRange` (providers refuse unbounded ranges). An RPC scans every block of a range (anvil:
   * a 5,000-block first range cost more CPU per task than the rest of the task once the devnet chain was that long).
   * Only the fallback of the follower: for events older than its first sync.
   */
  async function findLatestLog(eventName: 'TaskCreated' | 'TaskScoreReady', taskKey: Hex) {
    let to = await getBlockNumber();
    let span = firstLogRange < maxLogRange ? firstLogRange : maxLogRange;
    while (to >= parameters.startBlock) {
      const from = to - span + 1n > parameters.startBlock ? to - span + 1n : parameters.startBlock;
      span = span * 8n < maxLogRange ? span * 8n : maxLogRange;
      let logs: Awaited<ReturnType<typeof client.getContractEvents>>;
      try {
        logs = await bounded(
          client.getContractEvents({
            address,
            abi: taskManagerAbi,
            eventName,
            args: { taskKey },
            fromBlock: from,
            toBlock: to,
          }),
          `eth_getLogs ${eventName}`,
        );
      } catch (cause) {
        throw chainFailure(cause);
      }
      const last = logs[logs.length - 1];
      if (last) return last;
      to = from - 1n;
    }
    return undefined;
  }

  return {
    chainId: parameters.chainId,
    taskManager: address,
    maxLogRange,
    async getTask(taskKey, options = {}) {
      const key = taskKey.toLowerCase() as Hex;
      const asked = Date.now();
      if (options.fresh || options.recheck || cacheMs === 0) await syncSince(asked);
      else if (options.since !== undefined) await syncSince(options.since);
      else await syncSince(asked - cacheMs);
      let indexed = states.get(key);
      if (indexed) return indexed;
      // Not in the index: a task created after the view (the follower's next sync sees its TaskCreated: one sync
      // shared by every such request, rather than an eth_call at a view that predates the task), or one older than
      // the follower, read once below.
      if (lastDone < asked) {
        await syncSince(asked);
        indexed = states.get(key);
        if (indexed) return indexed;
      }
      const at = cursor!;
      const flightKey = `${key}@${at.hash}`;
      let flight = taskReads.get(flightKey);
      if (!flight) {
        const epochAt = epoch;
        flight = readTask(key, at.number)
          .then(({ task, atBlock }) => {
            // Kept only when read at the followed block and no event of the task came after that block (the
            // follower applied that event to no entry): the next request reads it again.
            if (
              atBlock &&
              epoch === epochAt &&
              (lastEvent.get(key) ?? -1n) <= at.number &&
              !states.has(key)
            ) {
              states.set(key, task);
              bound(states);
            }
            return states.get(key) ?? task;
          })
          .finally(() => taskReads.delete(flightKey));
        taskReads.set(flightKey, flight);
      }
      return flight;
    },
    async getTaskCreated(taskKey) {
      const key = taskKey.toLowerCase() as Hex;
      const cached = created.get(key);
      if (cached) return cached;
      const log = await findLatestLog('TaskCreated', key);
      if (!log) return undefined;
      const event = toCreated(log as unknown as Parameters<typeof toCreated>[0]);
      created.set(key, event);
      bound(created);
      return event;
    },
    async getTaskScore(taskKey) {
      const key = taskKey.toLowerCase() as Hex;
      const cached = scores.get(key);
      if (cached) return cached.score;
      const log = (await findLatestLog('TaskScoreReady', key)) as unknown as
        | { args: { score?: Hex }; blockNumber: bigint | null }
        | undefined;
      const score = log?.args.score?.toLowerCase() as Hex | undefined;
      if (score === undefined) return undefined;
      scores.set(key, { score, blockNumber: log?.blockNumber ?? 0n });
      bound(scores);
      return score;
    },
    async getTaskCreatedRange(fromBlock, toBlock) {
      try {
        const logs = await bounded(
          client.getContractEvents({
            address,
            abi: taskManagerAbi,
            eventName: 'TaskCreated',
            fromBlock,
            toBlock,
          }),
          'eth_getLogs TaskCreated',
        );
        return logs.map((log) => toCreated(log as unknown as Parameters<typeof toCreated>[0]));
      } catch (cause) {
        throw chainFailure(cause);
      }
    },
    getBlockNumber,
    async getModelHolderCount(modelId) {
      if (!parameters.nodeRegistry) return undefined;
      // A count above zero is kept for `cacheMs`: the check is advisory at upload time (the task is created
      // later, up to the statement's expiry, and nodes may quit meanwhile), so a count up to `cacheMs` old adds
      // nothing a fresh one would prevent. Zero is never kept: a node that just declared the model is seen at once.
      const kept = modelHolders.get(modelId);
      if (kept && Date.now() - kept.at < cacheMs) return kept.count;
      let count: bigint;
      try {
        count = await bounded(
          client.readContract({
            address: parameters.nodeRegistry,
            abi: nodeRegistryAbi,
            functionName: 'modelHolderCount',
            args: [modelId],
          }),
          'modelHolderCount',
        );
      } catch (cause) {
        throw chainFailure(cause);
      }
      if (count > 0n) {
        modelHolders.set(modelId, { count, at: Date.now() });
        bound(modelHolders);
      } else modelHolders.delete(modelId);
      return count;
    },
  };
}
