import { taskManagerAbi } from '@verinet/protocol/chain/abis';
import { parseTaskManagerLogs } from '@verinet/protocol/chain/parseTaskManagerLogs';
import { type TaskStateName, taskStates } from '@verinet/protocol/chain/taskStates';
import {
  type AbiEvent,
  type Address,
  getAbiItem,
  type Hex,
  numberToHex,
  type RpcLog,
  toEventSelector,
} from 'viem';
import type { SdkContext } from '../client/context.js';
import { toSdkError } from './toSdkError.js';

/** On-chain task states (ITaskManager.TaskState), by index. */
export const chainTaskStates = taskStates;
export type ChainTaskState = TaskStateName;

export const isEnded = (state: string | undefined): boolean => state?.startsWith('End') === true;
export const isReported = (state: string | undefined): boolean =>
  state === 'ScoreReady' || state === 'ErrorReported';

export type ChainTaskInfo = {
  state: ChainTaskState;
  taskType: number;
  creator: Address;
  node: Address;
  fee: bigint;
  seedBlock: bigint;
  stateTime: bigint;
};

const taskTypeIds = { sd: 0, llm: 1 } as const;
export const getTaskTypeId = (taskType: 'sd' | 'llm'): number => taskTypeIds[taskType];

async function read<T>(context: SdkContext, functionName: string, args: readonly unknown[] = []): Promise<T> {
  try {
    return (await context.access.publicClient.readContract({
      address: context.access.chain.contracts.taskManager,
      abi: taskManagerAbi,
      functionName,
      args,
    } as never)) as T;
  } catch (error) {
    throw toSdkError(error, functionName);
  }
}

/** `getTask(taskKey)`, with the state as its name. */
export async function readTaskInfo(context: SdkContext, taskKey: Hex): Promise<ChainTaskInfo> {
  const info = await read<{
    state: number;
    taskType: number;
    creator: Address;
    node: Address;
    fee: bigint;
    seedBlock: bigint;
    stateTime: bigint;
  }>(context, 'getTask', [taskKey]);
  return {
    state: chainTaskStates[info.state] ?? 'None',
    taskType: info.taskType,
    creator: info.creator,
    node: info.node,
    fee: info.fee,
    seedBlock: info.seedBlock,
    stateTime: info.stateTime,
  };
}

export const readMinFee = (context: SdkContext) => read<bigint>(context, 'minFee');

const defaultFeeTtlMs = 10_000;

/** Default cap of the default fee, as a multiple of `minFee` (client option `maxDefaultFee` overrides it). */
export const defaultFeeCapMultiple = 10n;

/**
 * `goingPrice` clamped to [`minFee`, cap], cap = `maxDefaultFee` or 10 × `minFee`; a cap below `minFee` yields
 * `minFee` (the chain refuses less). All in wei.
 */
export function chooseDefaultFee(parameters: {
  goingPrice: bigint;
  minFee: bigint;
  maxDefaultFee: bigint | undefined;
}): bigint {
  const { goingPrice, minFee } = parameters;
  const cap = parameters.maxDefaultFee ?? minFee * defaultFeeCapMultiple;
  if (goingPrice > cap) return cap > minFee ? cap : minFee;
  return goingPrice > minFee ? goingPrice : minFee;
}

/**
 * The fee a task pays when the app names none: the chain's `goingPrice()` (a moving average of the fees of paid
 * tasks, so a node's price floor is likely met), never below `minFee` (a new chain's going price is 0) and never
 * above `maxDefaultFee` (default 10 × `minFee`): an app paying its own nodes can drag the going price, and the
 * SDK must not follow it into fees only the dragger's nodes have room for. The two reads are cached for 10 s for
 * every client of the process on this chain (chainCache): one read pair per burst of tasks, not per task or app.
 */
export async function readDefaultFee(context: SdkContext): Promise<bigint> {
  const [goingPrice, minFee] = await readThroughChainCache(context, 'feeInputs', defaultFeeTtlMs, () =>
    Promise.all([readGoingPrice(context), readMinFee(context)]),
  ).value;
  return chooseDefaultFee({ goingPrice, minFee, maxDefaultFee: context.maxDefaultFee });
}
const readGoingPrice = (context: SdkContext) => read<bigint>(context, 'goingPrice');
const samplingDenominatorTtlMs = 10_000;

/**
 * The sampling rate's denominator (owner-set, rarely changed), read at most every 10 s per process and chain
 * (chainCache): it was one call per task. A value up to 10 s stale after the owner changed it only shifts which tasks this app samples around
 * the change (the app's own choice, secret until opened); the contract checks the sampling against its current
 * value when a group is opened (NotSampled), so a stale value never passes a group that is not sampled.
 */
export async function readSamplingDenominator(context: SdkContext): Promise<bigint> {
  return readThroughChainCache(context, 'samplingDenominator', samplingDenominatorTtlMs, () =>
    read<bigint>(context, 'samplingDenominator'),
  ).value;
}
export const readOwed = (context: SdkContext, account: Address) => read<bigint>(context, 'owed', [account]);
export const readVrfKeyOf = (context: SdkContext, app: Address, seedBlock: bigint) =>
  read<Address>(context, 'vrfKeyOf', [app, seedBlock]);

const timeoutTtlMs = 10_000;

/**
 * Execution (and queue) timeout of a task type in seconds, read at most every 10 s per process and chain
 * (chainCache). Not forever: the owner may change it, and a process-wide value outlives any one client (s14
 * review: a client created after the owner raised it took a running task for timed out with the old value, and
 * an abort or resubmit on that reverts or pays for nothing). `fresh` reads the chain whatever the cache holds:
 * waitForReport does so before it declares a timeout, so a cached value never decides one.
 */
export async function readTimeout(
  context: SdkContext,
  taskType: 'sd' | 'llm',
  options: { fresh?: boolean } = {},
): Promise<bigint> {
  return readThroughChainCache(
    context,
    `timeout:${taskType}`,
    timeoutTtlMs,
    () => read<bigint>(context, 'timeout', [getTaskTypeId(taskType)]),
    options.fresh,
  ).value;
}

/** Timestamp of the latest block: timeouts count in chain time, not the app's clock. */
export async function readChainTime(context: SdkContext): Promise<bigint> {
  try {
    const block = await context.access.publicClient.getBlock({ blockTag: 'latest' });
    return block.timestamp;
  } catch (error) {
    throw toSdkError(error, 'getBlock');
  }
}

const chainClockMaxAgeMs = 5_000;

/**
 * The chain's clock for timeout checks while waiting: the latest block's timestamp read at most 5 s ago, plus the
 * local time elapsed since (never ahead of what the chain will show by more than the local clock's drift over 5 s).
 * A wait polls every few hundred milliseconds; timeouts are minutes: one block read per poll doubled the reads.
 */
export async function readChainTimeCached(context: SdkContext): Promise<bigint> {
  const { at, value } = readThroughChainCache(context, 'chainTime', chainClockMaxAgeMs, () =>
    readChainTime(context),
  );
  const elapsedMs = Date.now() - at;
  return (await value) + BigInt(Math.floor(elapsedMs / 1000));
}

/**
 * A chain value shared by every client of the process on this chain (chainCache): the entry read less than `ttlMs`
 * ago (in flight or settled), else a new read stored with its start time; a failed read is dropped so the next
 * call reads again. `fresh` reads whatever the cache holds.
 */
function readThroughChainCache<T>(
  context: SdkContext,
  key: string,
  ttlMs: number,
  load: () => Promise<T>,
  fresh = false,
): { at: number; value: Promise<T> } {
  const cached = context.chainCache.get(key) as { at: number; value: Promise<T> } | undefined;
  if (!fresh && cached && Date.now() - cached.at < ttlMs) return cached;
  const entry = { at: Date.now(), value: load() };
  context.chainCache.set(key, entry);
  entry.value.catch(() => context.chainCache.delete(key));
  return entry;
}

export type TaskReport =
  | { kind: 'score'; node: Address; seed: Hex; score: Hex }
  | { kind: 'error'; node: Address; seed: Hex; code: number };

const reportTopics = [
  toEventSelector(getAbiItem({ abi: taskManagerAbi, name: 'TaskScoreReady' }) as AbiEvent),
  toEventSelector(getAbiItem({ abi: taskManagerAbi, name: 'TaskErrorReported' }) as AbiEvent),
];

/**
 * The node's report of `taskKey` (TaskScoreReady / TaskErrorReported event), searched from `fromBlock`: one
 * `eth_getLogs` for both events (the first topic either of them, the second the task key).
 */
export async function readTaskReport(
  context: SdkContext,
  taskKey: Hex,
  fromBlock: bigint,
): Promise<TaskReport | undefined> {
  try {
    const raw = await context.access.publicClient.request({
      method: 'eth_getLogs',
      params: [
        {
          address: context.access.chain.contracts.taskManager,
          topics: [reportTopics, taskKey],
          fromBlock: numberToHex(fromBlock),
          toBlock: 'latest',
        },
      ],
    });
    const logs = parseTaskManagerLogs(raw as RpcLog[]);
    for (const log of logs) {
      if (log.eventName === 'TaskScoreReady') {
        const score = log.args as { taskKey: Hex; node: Address; seed: Hex; score: Hex };
        if (score.taskKey.toLowerCase() === taskKey.toLowerCase())
          return { kind: 'score', node: score.node, seed: score.seed, score: score.score };
      }
    }
    for (const log of logs) {
      if (log.eventName === 'TaskErrorReported') {
        const error = log.args as { taskKey: Hex; node: Address; seed: Hex; errorCode: number };
        if (error.taskKey.toLowerCase() === taskKey.toLowerCase())
          return { kind: 'error', node: error.node, seed: error.seed, code: error.errorCode };
      }
    }
    return undefined;
  } catch (error) {
    throw toSdkError(error, 'getLogs');
  }
}

/** Why a task ended EndAborted (ITaskManager.AbortReason; 6 = DrawExpired), from its TaskEndAborted event. */
export async function readAbortReason(
  context: SdkContext,
  taskKey: Hex,
  fromBlock: bigint,
): Promise<number | undefined> {
  try {
    const logs = await context.access.publicClient.getContractEvents({
      address: context.access.chain.contracts.taskManager,
      abi: taskManagerAbi,
      eventName: 'TaskEndAborted',
      args: { taskKey },
      fromBlock,
      toBlock: 'latest',
    });
    return logs[0]?.args.reason;
  } catch (error) {
    throw toSdkError(error, 'getLogs');
  }
}

/** ITaskManager.AbortReason.DrawExpired: the fee was forfeited to the IncentivePool, not refunded. */
export const drawExpiredReason = 6;

/** The hash of block `number` (a task's sampling seed is the hash of its seed block). */
export async function readBlockHash(context: SdkContext, number: bigint): Promise<Hex> {
  try {
    const block = await context.access.publicClient.getBlock({ blockNumber: number });
    return block.hash;
  } catch (error) {
    throw toSdkError(error, 'getBlock');
  }
}
