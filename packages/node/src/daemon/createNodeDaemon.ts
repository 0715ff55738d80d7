import { taskManagerAbi } from '@verinet/protocol/chain';
import type { Logger } from 'pino';
import { type AbiEvent, type AbiItem, type Address, type Hex, toEventSelector } from 'viem';
import { createCachedChainReads } from '../chain/createCachedChainReads.js';
import type { ChainSource } from '../chain/createChainFeed.js';
import { type ChainWatcher, createChainWatcher } from '../chain/createChainWatcher.js';
import {
  appendLog,
  getTask,
  listOpenTasks,
  markReplacedEndsLost,
  reopenReplacedEnds,
  updateTask,
} from '../store/index.js';
import { getTaskAction, reduceTask } from '../task/reduceTask.js';
import type { TaskRecord } from '../task/types.js';
import {
  applyNodeEvents,
  createNodeEventsDecoder,
  createRecentCreations,
  eventsMayWriteStore,
} from './applyChainLogs.js';
import type { NodeContext } from './context.js';
import { crashPoint } from './crashPoint.js';
import { createDrawSettler, type DrawSettler } from './createDrawSettler.js';
import { createQueueDispatcher, type QueueDispatcher } from './createQueueDispatcher.js';
import { getTaskLoopWaitMs } from './getTaskLoopWaitMs.js';
import { runTaskAction } from './runTaskAction.js';

export type NodeDaemonParameters = Omit<NodeContext, 'notice' | 'log' | 'reads'> & {
  log: Logger;
  confirmations: number;
  pollIntervalMs?: number | undefined;
  reorgDepth?: number | undefined;
  /** Draw settlement (F1): an Available node settles after a random wait below this (default 5 s). */
  settleDelayMs?: number | undefined;
  /** A node that cannot be drawn settles a draw left waiting this long (default 60 s). */
  settleBackstopMs?: number | undefined;
  /** Gas cap of one settlement (default 8,000,000). */
  settleMaxGas?: bigint | undefined;
  /** Heads, headers and logs from a feed shared by the daemons of one process (default: the client). */
  chainSource?: ChainSource | undefined;
  /**
   * How long `stop()` lets the running steps finish (default 10 s): a worker stopped after that fails its task,
   * which is then left at its step and redone at the next start, not given up.
   */
  stopGraceMs?: number | undefined;
};

export type NodeDaemon = {
  context: NodeContext;
  watcher: ChainWatcher;
  settler: DrawSettler;
  dispatcher: QueueDispatcher;
  start: () => Promise<void>;
  stop: () => Promise<void>;
  /** Tasks whose action is running right now. */
  busyTasks: () => Hex[];
};

/** The longest the task loop sleeps without news (a safety net: every change of this node's tasks wakes it). */
const taskLoopMaxWaitMs = 1_000;

/** The topics of the TaskManager's events of these names. */
const topicsOf = (names: readonly string[]): Set<string> =>
  new Set(
    (taskManagerAbi as readonly AbiItem[])
      .filter((item): item is AbiEvent => item.type === 'event' && names.includes(item.name))
      .map((item) => toEventSelector(item).toLowerCase()),
  );
const taskQueuedTopics = topicsOf(['TaskQueued']);
/** Events after which a task is no longer in the queue: drawn onto a node, or ended. */
const leftQueueTopics = topicsOf([
  'TaskStarted',
  'TaskEndSuccess',
  'TaskEndGroupSuccess',
  'TaskEndGroupRefund',
  'TaskEndInvalidated',
  'TaskEndAborted',
]);

/**
 * The node daemon: watches the chain for tasks given to this node and drives each through its persisted
 * state machine (reduceTask), one idempotent action at a time. Every step is committed to SQLite before the
 * next side effect, so a node killed anywhere resumes where it was, without running a step twice.
 *
 * @example
 * const daemon = createNodeDaemon({ store, client, sender, node, contracts, relay, worker, … });
 * await daemon.start();
 */
export function createNodeDaemon(parameters: NodeDaemonParameters): NodeDaemon {
  const { store, log } = parameters;
  const notice: NodeContext['notice'] = (level, message, taskKey) => {
    log[level]({ taskKey }, message);
    appendLog(store, { level, message, taskKey });
  };
  const reads = createCachedChainReads({ client: parameters.client, contracts: parameters.contracts });
  const context: NodeContext = { ...parameters, notice, reads };
  const inFlight = new Set<string>();
  let running = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  const recentCreations = createRecentCreations();
  const taskManagerAddress = parameters.contracts.taskManager.toLowerCase();
  const eventsOf = createNodeEventsDecoder(parameters.contracts, parameters.node);

  const watcher = createChainWatcher({
    client: parameters.client,
    source: parameters.chainSource,
    store,
    addresses: [parameters.contracts.taskManager, parameters.contracts.nodeRegistry],
    startBlock: parameters.startBlock,
    confirmations: parameters.confirmations,
    pollIntervalMs: parameters.pollIntervalMs,
    reorgDepth: parameters.reorgDepth,
    mayWrite: (logs) => eventsMayWriteStore(eventsOf(logs)),
    onLogs: (logs) => {
      const { ended, changed } = applyNodeEvents(store, eventsOf(logs), recentCreations, {
        created: (taskKey) => settler.hint(taskKey),
        drawn: (taskKey) => settler.drawn(taskKey),
      });
      for (const taskKey of ended) if (inFlight.has(taskKey.toLowerCase())) parameters.worker.cancel(taskKey);
      // The queue as the events show it (TaskQueued hints by itself), and this node may be free to take a task
      // (its tasks changed).
      for (const log of logs) {
        const topic = log.topics[0]?.toLowerCase();
        const taskKey = log.topics[1];
        if (!topic || !taskKey || log.address.toLowerCase() !== taskManagerAddress) continue;
        if (taskQueuedTopics.has(topic)) dispatcher.queued(taskKey);
        else if (leftQueueTopics.has(topic)) dispatcher.left(taskKey);
      }
      if (changed) dispatcher.hint();
      // Only news about this node's tasks: other blocks leave nothing for the task loop to do.
      if (changed) setImmediate(() => wake?.());
    },
    onReorg: (blockNumber, depth) => {
      recentCreations.clear();
      // An ended task whose draw was replaced may be drawn onto this node again (session 14: it was ignored).
      const reopened = markReplacedEndsLost(store, blockNumber);
      if (reopened > 0)
        appendLog(store, {
          level: 'warn',
          message: `${reopened} ended task(s) started above block ${blockNumber} may be live again: run again if drawn onto this node.`,
        });
      // A task whose draw stands but whose end was replaced (the app's validation undone: ScoreReady again) is
      // followed again: finalized after its window if nobody validates it (session 14: it stayed ended, unpaid).
      const followed = reopenReplacedEnds(store, blockNumber);
      if (followed > 0) {
        appendLog(store, {
          level: 'warn',
          message: `${followed} task(s) whose end was above block ${blockNumber} are followed on the chain again.`,
        });
        setImmediate(() => wake?.());
      }
      // A replaced block may have held the settlement of a draw now pending again: read pendingDraws() anew.
      settler.hint();
      // The queue events of the replaced blocks are read again: until then, the queue is read from the chain.
      dispatcher.forget();
      appendLog(store, {
        level: 'warn',
        message: `Chain reorganization of ${depth} block(s) above ${blockNumber}; re-reading.`,
      });
    },
    onNotice: (level, message) => notice(level, message),
  });

  const settler = createDrawSettler({
    client: parameters.client,
    sender: parameters.sender,
    store,
    contracts: parameters.contracts,
    node: parameters.node,
    intervalMs: Math.max(parameters.pollIntervalMs ?? 1_000, 50),
    delayMs: parameters.settleDelayMs ?? 5_000,
    backstopMs: parameters.settleBackstopMs ?? 60_000,
    maxGas: parameters.settleMaxGas ?? 8_000_000n,
    hints: true,
    notice: (level, message) => notice(level, message),
  });

  // Finding 4: an idle node takes the queued tasks no release reached (see createQueueDispatcher).
  const dispatcher = createQueueDispatcher({
    client: parameters.client,
    sender: parameters.sender,
    store,
    contracts: parameters.contracts,
    node: parameters.node,
    intervalMs: Math.max(parameters.pollIntervalMs ?? 1_000, 50) * 5,
    maxGas: parameters.settleMaxGas ?? 8_000_000n,
    hints: true,
    // Free on chain from its report on (F6): only a task not reported yet keeps the node busy.
    isIdle: () => listOpenTasks(store).every((task) => task.step === 'reported' || task.step === 'abandoned'),
    notice: (level, message) => notice(level, message),
  });

  const step = async (task: TaskRecord) => {
    if (!getTaskAction(task, Date.now())) return;
    const key = task.taskKey.toLowerCase();
    inFlight.add(key);
    try {
      // One step after the other while each is due at once (fetch, models, run, upload, report): each is committed
      // before the next side effect as before, without a trip through the loop's scan of every open task.
      for (let next: TaskRecord | undefined = task; next && running; ) {
        const action = getTaskAction(next, Date.now());
        if (!action) return;
        const input = await runTaskAction(context, next, action);
        // Stopping: a worker failure now is the node's own shutdown (its worker stopped, or a Ctrl-C), not the
        // task's. Left at its step, the task is run again at the next start instead of given up.
        if (!running && input.type === 'workerFailed') return;
        // Re-read: the watcher may have ended the task meanwhile (then the input is stale and ignored).
        const current = getTask(store, task.taskKey);
        if (!current || current.step === 'ended') return;
        const update = reduceTask(current, input, Date.now());
        if (!update) return;
        updateTask(store, task.taskKey, update);
        if (!update.step || update.step === current.step) {
          if (input.type === 'failedRetryable' && !/^waiting/.test(input.message))
            log.warn({ taskKey: task.taskKey, action, attempts: current.attempts + 1 }, input.message);
          return;
        }
        // `seenAt` (the first step only): when the watcher stored the task, for bench:network's node step times.
        log.info(
          {
            taskKey: task.taskKey,
            from: current.step,
            to: update.step,
            ...(current.step === 'assigned' ? { seenAt: current.createdAt } : {}),
          },
          'task step',
        );
        if (update.step === 'abandoned' || update.step === 'invalid_args') {
          notice(
            'warn',
            `Task ${update.step === 'abandoned' ? 'given up (it will time out on chain, no penalty beyond QoS)' : 'has invalid arguments (reporting the error on chain)'}: ${update.lastError ?? ''}`,
            task.taskKey,
          );
        } else if (update.step === 'ended' && update.outcome === 'lost') {
          notice('warn', `Task no longer ours: ${update.lastError}`, task.taskKey);
        }
        crashPoint(`step:${update.step}`, [task.taskKey]);
        // The row as just written (nothing ran in between): no read back.
        next = { ...current, ...update };
      }
    } finally {
      inFlight.delete(key);
      wake?.();
    }
  };

  const run = async () => {
    while (running) {
      const open = listOpenTasks(store);
      for (const task of open) {
        if (!running) break;
        if (inFlight.has(task.taskKey.toLowerCase())) continue;
        step(task).catch((error: unknown) => {
          // A step that outlived stop()'s grace finds its store closed by the owner: its task stays at its
          // committed step and runs again at the next start. Any other failure is the step's, logged, not a crash.
          if (!running) return;
          notice('error', `Task step failed: ${(error as Error).message.split('\n')[0]}`, task.taskKey);
        });
      }
      // Until the next retry is due (a second at most): new work wakes the loop (the watcher, a step's end).
      const waitMs = getTaskLoopWaitMs(open, inFlight, Date.now(), taskLoopMaxWaitMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  return {
    context,
    watcher,
    settler,
    dispatcher,
    busyTasks: () => [...inFlight] as Hex[],
    async start() {
      if (running) return;
      running = true;
      await parameters.sender.recover().catch((error: unknown) => {
        notice(
          'warn',
          `Could not re-check pending transactions yet: ${(error as Error).message.split('\n')[0]}`,
        );
      });
      watcher.start();
      settler.start();
      dispatcher.start();
      loop = run();
      notice('info', `Node ${parameters.node} started.`);
    },
    async stop() {
      running = false;
      wake?.();
      await watcher.stop();
      await settler.stop();
      await dispatcher.stop();
      await loop;
      const deadline = Date.now() + (parameters.stopGraceMs ?? 10_000);
      while (inFlight.size > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
    },
  };
}

export type { Address };
