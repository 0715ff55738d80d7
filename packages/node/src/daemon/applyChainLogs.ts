import type { Address, Hex, Log } from 'viem';
import { type Contracts, decodeNodeEvents, type NodeEvent } from '../chain/taskManager.js';
import { appendLog, getTask, insertTask, type NodeStore, updateTask } from '../store/index.js';
import { reduceTask } from '../task/reduceTask.js';

/**
 * The args commitments of the latest TaskCreated events of every task (bounded, in memory): a task is drawn in a
 * later block than its creation (F1), so its TaskStarted comes in a later batch, and this spares the node a log
 * read on its critical path. A cache only: after a restart or a reorg it is empty, and the node reads the
 * commitment from the chain by the task key.
 */
export type RecentCreations = {
  remember: (taskKey: Hex, argsCommitment: Hex) => void;
  lookUp: (taskKey: Hex) => Hex | undefined;
  clear: () => void;
};

export function createRecentCreations(limit = 4_096): RecentCreations {
  const entries = new Map<string, Hex>();
  return {
    remember(taskKey, argsCommitment) {
      const key = taskKey.toLowerCase();
      entries.delete(key);
      entries.set(key, argsCommitment);
      if (entries.size > limit) entries.delete(entries.keys().next().value!);
    },
    lookUp: (taskKey) => entries.get(taskKey.toLowerCase()),
    clear: () => entries.clear(),
  };
}

/**
 * Told of every draw added (a task created, or a queued task put back into the draws: review M2) and every draw
 * settled (the draw settler keeps the draws still pending).
 */
export type DrawListener = { created: (taskKey: Hex) => void; drawn: (taskKey: Hex) => void };

/** The keys of tasks that ended (a running execution is cancelled), and whether this node's tasks changed. */
export type AppliedLogs = { ended: Hex[]; changed: boolean };

const weiToEther = (wei: bigint) => `${Number(wei) / 1e18}`;

/** A lost task drawn onto this node again starts over from its first step (keeping its result: see taskStarted). */
const restartedTask = {
  step: 'assigned',
  salt: null,
  argsPath: null,
  outputDir: null,
  score: null,
  resultFiles: null,
  errorKind: null,
  outcome: null,
  attempts: 0,
  lastError: null,
  nextAttemptAt: 0,
  deadlineAt: null,
  resultSignature: null,
  endedBlock: null,
  // The earlier life's fee: an unpaid end of this one (no fee in its event) would show it otherwise.
  fee: null,
} as const;

/**
 * The events whose handling in {@link applyNodeEvents} may write to the store. The others (a task created, drawn or
 * put back into the draws, whichever node it concerns) only tell the draw listener and the creations cache.
 */
const storeEventKinds: ReadonlySet<NodeEvent['kind']> = new Set([
  'taskStarted',
  'scoreReady',
  'errorReported',
  'taskEnded',
  'slashed',
  'kickedOut',
  'statusChanged',
]);

/**
 * Whether {@link applyNodeEvents} may write to the store for these events: false when none of them is this node's
 * (on a busy network, most blocks for most nodes), and then it writes nothing.
 */
export function eventsMayWriteStore(events: NodeEvent[]): boolean {
  return events.some((event) => storeEventKinds.has(event.kind));
}

/**
 * decodeNodeEvents for one node, the last batch's events kept: the watcher asks `mayWrite` (eventsMayWriteStore)
 * and then runs `onLogs` (applyNodeEvents) on the same array of logs, which is decoded once for both.
 */
export function createNodeEventsDecoder(contracts: Contracts, node: Address): (logs: Log[]) => NodeEvent[] {
  let last: { logs: Log[]; events: NodeEvent[] } | undefined;
  return (logs) => {
    if (last?.logs !== logs) last = { logs, events: decodeNodeEvents(logs, contracts, node) };
    return last.events;
  };
}

/**
 * Applies a batch of logs to the store (synchronously, inside the watcher's transaction): new tasks for this
 * node, its reports seen on chain, task ends, slashing and kick-outs. Idempotent: a batch read twice (after a
 * restart or a reorg) changes nothing the second time.
 */
export function applyChainLogs(
  store: NodeStore,
  logs: Log[],
  contracts: Contracts,
  node: Address,
  recentCreations?: RecentCreations,
  draws?: DrawListener,
): AppliedLogs {
  return applyNodeEvents(store, decodeNodeEvents(logs, contracts, node), recentCreations, draws);
}

/**
 * {@link applyChainLogs} on events already decoded for this node (decodeNodeEvents). Writes to the store only for
 * the kinds {@link eventsMayWriteStore} names.
 */
export function applyNodeEvents(
  store: NodeStore,
  events: NodeEvent[],
  recentCreations?: RecentCreations,
  draws?: DrawListener,
): AppliedLogs {
  const created = new Map<string, Hex>();
  const ended: Hex[] = [];
  let changed = false;
  const now = Date.now();
  for (const event of events) {
    switch (event.kind) {
      case 'taskCreated':
        created.set(event.taskKey.toLowerCase(), event.argsCommitment);
        recentCreations?.remember(event.taskKey, event.argsCommitment);
        draws?.created(event.taskKey);
        break;
      case 'taskRedraw':
        // Queued → Pending: its node (maybe this one) comes from a later settlement's TaskStarted.
        draws?.created(event.taskKey);
        break;
      case 'taskDrawn':
        draws?.drawn(event.taskKey);
        break;
      case 'taskStarted': {
        const argsCommitment =
          created.get(event.taskKey.toLowerCase()) ?? recentCreations?.lookUp(event.taskKey) ?? null;
        if (
          insertTask(store, {
            taskKey: event.taskKey,
            taskType: event.taskType,
            startedBlock: event.blockNumber,
            argsCommitment,
            now,
          })
        ) {
          changed = true;
          appendLog(store, {
            level: 'info',
            message: `New task (type ${event.taskType}) at block ${event.blockNumber}.`,
            taskKey: event.taskKey,
          });
          break;
        }
        // Given up as lost when a reorg took its draw away (the chain showed it Pending), and drawn again onto this
        // node: the draw is a function of the creation block's hash, so a re-settlement usually names the same node.
        // Without this the node would ignore its own task and take its timeout.
        const known = getTask(store, event.taskKey);
        if (known?.step === 'ended' && known.outcome === 'lost') {
          // Its result (score and files, and the arguments and salt it was computed from) is kept: fetchArgs reports
          // it again, without running the worker, if those arguments open the commitment of the chain that stands.
          const kept =
            known.score !== null && known.resultFiles !== null && known.outputDir !== null
              ? {
                  score: known.score,
                  resultFiles: known.resultFiles,
                  outputDir: known.outputDir,
                  argsPath: known.argsPath,
                  salt: known.salt,
                }
              : {};
          updateTask(
            store,
            event.taskKey,
            { ...restartedTask, ...kept, startedBlock: event.blockNumber, argsCommitment },
            now,
          );
          changed = true;
          appendLog(store, {
            level: 'warn',
            message: `Task drawn onto this node again at block ${event.blockNumber} (after a reorganization): ${known.score === null ? 'starting over' : 'its result is reported again if its arguments are the same'}.`,
            taskKey: event.taskKey,
          });
        }
        break;
      }
      case 'scoreReady':
      case 'errorReported': {
        const task = getTask(store, event.taskKey);
        const update = task && reduceTask(task, { type: 'reported' }, now);
        if (update) updateTask(store, event.taskKey, update, now);
        if (update) changed = true;
        break;
      }
      case 'taskEnded': {
        const task = getTask(store, event.taskKey);
        if (!task) break;
        const update = reduceTask(task, { type: 'ended', outcome: event.outcome, fee: event.fee }, now);
        if (!update) {
          // Ended already by a read of the chain (follow, or any action's check): the event dates the end, so a
          // reorganization that replaces its block puts the task back (reopenReplacedEnds).
          if (task.step === 'ended' && task.outcome !== 'lost' && task.endedBlock !== event.blockNumber) {
            updateTask(
              store,
              event.taskKey,
              { endedBlock: event.blockNumber, fee: task.fee ?? event.fee.toString() },
              now,
            );
            changed = true;
          }
          break;
        }
        updateTask(store, event.taskKey, { ...update, endedBlock: event.blockNumber }, now);
        ended.push(event.taskKey);
        changed = true;
        const paid = event.outcome === 'success' || event.outcome === 'group_success';
        appendLog(store, {
          level: event.outcome === 'invalidated' ? 'error' : 'info',
          message: paid
            ? `Task validated: ${weiToEther(event.fee)} ETH owed to the beneficiary.`
            : event.outcome === 'invalidated'
              ? "Task invalidated: this node's result disagreed with two others; its stake was slashed."
              : `Task ended (${event.outcome}${event.reason ? `: ${event.reason}` : ''}); no fee for this node.`,
          taskKey: event.taskKey,
        });
        break;
      }
      case 'slashed':
        appendLog(store, {
          level: 'error',
          message: `This node was SLASHED at block ${event.blockNumber}: its stake of ${weiToEther(event.amount)} ETH went to the incentive pool and it was removed from the network.`,
        });
        break;
      case 'kickedOut':
        appendLog(store, {
          level: 'error',
          message: `This node was KICKED OUT at block ${event.blockNumber} after ${event.consecutiveTimeouts} timeouts in a row (not slashed: its stake can be withdrawn).`,
        });
        break;
      case 'statusChanged':
        // Joined, resumed, freed: the queue dispatcher looks again (the daemon hints it on `changed`).
        changed = true;
        appendLog(store, {
          level: 'info',
          message: `Status on chain: ${event.from} → ${event.to} (block ${event.blockNumber}).`,
        });
        break;
    }
  }
  return { ended, changed };
}
