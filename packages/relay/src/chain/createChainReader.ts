import { nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import { poolHttp } from '@verinet/protocol/http';
import {
  type Address,
  BaseError,
  createPublicClient,
  type Hex,
  hexToBigInt,
  type PublicClient,
  RpcError,
  RpcRequestError,
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
   * The task's record at the chain head (read at most every `cacheMs`): cached per head block, by its hash, so it
   * is re-read when a new block arrives or the head block is replaced at the same height (a reorg); terminal
   * states too (a reorg can undo them). `fresh` reads the latest state now (kept for the current head). `recheck`:
   * the answer at the cached head was refused (task unknown, no node yet), so the head is read again if it is
   * older than {@link recheckMs} and the task at the new head: a client that just saw a block is not told to come
   * back.
   */
  getTask(taskKey: Hex, options?: { fresh?: boolean; recheck?: boolean }): Promise<ChainTask>;
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
  client?: PublicClient | undefined;
};

/**
 * A head older than this is read again for a refused answer (`recheck`): at most one eth_blockNumber per
 * 100 ms however many requests ask, so requests for unknown tasks cannot multiply the relay's RPC calls.
 */
export const recheckMs = 100;

/**
 * Bound of one read: above the default client's own (poolHttp, as viem's http: 10 s per try, one retry), so that it cuts only
 * a read that client would not end, or one through a client without a timeout of its own.
 */
export const defaultReadTimeoutMs = 25_000;

/** Blocks of the first range searched for a task's event (see findLatestLog). */
const firstLogRange = 64n;

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
 * Chain reads through viem (its default client on the process's keep-alive HTTP pools: poolHttp) with a small
 * cache. Events are immutable once seen, so they are kept; a task's
 * state is kept while the chain head (polled at most every `cacheMs`, 1 s by default) is the block it was read
 * at (same hash: a reorg of the head drops it, terminal states included); concurrent reads of one task share one
 * call.
 *
 * @example
 * const chain = createChainReader({ rpcUrl, chainId, taskManager, startBlock: 0n });
 */
export function createChainReader(parameters: CreateChainReaderParameters): ChainReader {
  const client =
    parameters.client ??
    (createPublicClient({ transport: poolHttp(parameters.rpcUrl, { retryCount: 1 }) }) as PublicClient);
  const cacheMs = parameters.cacheMs ?? 1000;
  const readTimeoutMs = parameters.readTimeoutMs ?? defaultReadTimeoutMs;
  const bounded = <T>(read: Promise<T>, what: string) => withTimeout(read, readTimeoutMs, what);
  const maxLogRange = parameters.maxLogRange ?? 5_000n;
  const address = parameters.taskManager;
  /**
   * Task states by the hash of the head block they were read at: valid while that block is the head (a state
   * change needs a block; a reorg to another block of the same height changes the hash). Review s9 finding 8: keyed
   * by the number, a same-height reorg served the old state until the next block, and terminal states were kept
   * for good although a reorg can take a task back out of them.
   */
  const tasks = new Map<Hex, { headHash: Hex; task: ChainTask }>();
  /** Reads in flight, by task and head: concurrent requests for one task share one eth_call. */
  const taskReads = new Map<string, Promise<ChainTask>>();
  type Head = { number: bigint; hash: Hex };
  let head: (Head & { at: number }) | undefined;
  let headRead: Promise<Head> | undefined;
  const created = new Map<Hex, TaskCreatedEvent>();
  const scores = new Map<Hex, Hex>();
  const bound = (map: Map<Hex, unknown>) => {
    // Bounded: the oldest entries go first (Map keeps insertion order).
    if (map.size > 50_000) for (const key of [...map.keys()].slice(0, 10_000)) map.delete(key);
  };
  const toCreated = (log: {
    args: { taskKey?: Hex; creator?: Address; taskType?: number; argsCommitment?: Hex };
    blockNumber: bigint | null;
  }): TaskCreatedEvent => ({
    taskKey: log.args.taskKey!,
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

  /**
   * The chain head, read at most once per `cacheMs` (one eth_getBlockByNumber shared by every request): a cached
   * task state is used only while the head is the block it was read at (same hash), so a state change, or a reorg
   * of the head, is seen at most `cacheMs` after its block reaches the relay's RPC, however many tasks are cached.
   */
  async function getHead(maxAgeMs = cacheMs): Promise<Head> {
    if (head && Date.now() - head.at < maxAgeMs) return head;
    headRead ??= readHead()
      .then((read) => {
        head = { ...read, at: Date.now() };
        return read;
      })
      .finally(() => {
        headRead = undefined;
      });
    return headRead;
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
   * The task at `blockNumber` (the cached head), else at the latest block when the RPC answered that it has no
   * state for that block: an RPC keeps the states of recent blocks only (geth 128, the devnet's anvil 64 by
   * `--prune-history`), and a head read up to `cacheMs` ago on a fast chain can fall out of that window. A newer
   * state than the head's is what the cache would read at the next head anyway.
   */
  async function readTask(taskKey: Hex, blockNumber: bigint | undefined): Promise<ChainTask> {
    let info: { state: number; taskType: number; creator: Address; node: Address };
    try {
      info = await callGetTask(taskKey, blockNumber).catch((error: unknown) => {
        if (blockNumber === undefined || !isRpcAnswer(error)) throw error;
        return callGetTask(taskKey, undefined);
      });
    } catch (cause) {
      throw chainFailure(cause);
    }
    return {
      state: taskStates[info.state] ?? 'None',
      taskType: onChainTaskTypes[info.taskType],
      creator: info.creator.toLowerCase() as Address,
      node: info.node.toLowerCase() as Address,
    };
  }

  function remember(taskKey: Hex, headHash: Hex, task: ChainTask): ChainTask {
    tasks.set(taskKey, { headHash, task });
    bound(tasks);
    return task;
  }

  /**
   * The newest `eventName` log of a task, searched from the latest block back to the deployment: a task the relay
   * is asked about is usually a few blocks old, so the first range is `firstLogRange` blocks and each next one 8×
   * larger, up to `maxLogRange` (providers refuse unbounded ranges). An RPC scans every block of a range (anvil:
   * a 5,000-block first range cost more CPU per task than the rest of the task once the devnet chain was that long).
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
      if (options.fresh || cacheMs === 0) {
        // The latest state, at least as new as the cached head's: kept for that head (read before it, so a head
        // that changed meanwhile is not credited with it).
        const known = head;
        const task = await readTask(taskKey, undefined);
        if (known && head?.hash === known.hash && cacheMs > 0) remember(taskKey, known.hash, task);
        return task;
      }
      const { number, hash } = await getHead(options.recheck ? Math.min(cacheMs, recheckMs) : cacheMs);
      const cached = tasks.get(taskKey);
      if (cached && cached.headHash === hash) return cached.task;
      const flightKey = `${taskKey}@${hash}`;
      let flight = taskReads.get(flightKey);
      if (!flight) {
        flight = readTask(taskKey, number)
          .then((task) => remember(taskKey, hash, task))
          .finally(() => taskReads.delete(flightKey));
        taskReads.set(flightKey, flight);
      }
      return flight;
    },
    async getTaskCreated(taskKey) {
      const cached = created.get(taskKey);
      if (cached) return cached;
      const log = await findLatestLog('TaskCreated', taskKey);
      if (!log) return undefined;
      const event = toCreated(log as unknown as Parameters<typeof toCreated>[0]);
      created.set(taskKey, event);
      bound(created);
      return event;
    },
    async getTaskScore(taskKey) {
      const cached = scores.get(taskKey);
      if (cached) return cached;
      const log = await findLatestLog('TaskScoreReady', taskKey);
      const score = (log as unknown as { args: { score?: Hex } } | undefined)?.args.score;
      if (score === undefined) return undefined;
      scores.set(taskKey, score.toLowerCase() as Hex);
      bound(scores);
      return score.toLowerCase() as Hex;
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
      try {
        return await bounded(
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
    },
  };
}
