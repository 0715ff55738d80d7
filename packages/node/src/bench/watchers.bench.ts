/**
 * npm run bench:watchers -- [--watchers 20] [--blocks 500] [--rounds 6]
 *
 * CPU per block of N node daemons' chain watchers in one process (the devnet runs 20), on one in-memory chain
 * source shaped like the devnet's feed: every watcher applies each block's TaskManager logs to its own SQLite store
 * (a file on the system's temporary folder) with the daemon's `applyNodeEvents`. Blocks come in the devnet's three
 * kinds, in turn: a createTask (TaskCreated, and the previous task's TaskStarted), a submitScore (TaskScoreReady)
 * and a validation (TaskEndSuccess); a task's node is one of the watchers, as on the devnet. Each block is announced
 * to the watchers and waited for before the next: process CPU (user + system) per block, `rounds` rounds of
 * `blocks` blocks after a warm-up round of the same size. No chain, no network: the figure is the watchers' own
 * JavaScript and SQLite, which bench:network's CPU per task cannot separate from the rest of a loaded machine.
 * Not a test: it never fails on a figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { taskManagerAbi } from '@verinet/protocol/chain';
import {
  type AbiEvent,
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  type Hex,
  keccak256,
  type Log,
  toHex,
} from 'viem';
import type { ChainSource } from '../chain/createChainFeed.js';
import { createChainWatcher } from '../chain/createChainWatcher.js';
import {
  applyNodeEvents,
  createNodeEventsDecoder,
  createRecentCreations,
  eventsMayWriteStore,
} from '../daemon/applyChainLogs.js';
import { openStore } from '../store/index.js';

const { values } = parseArgs({
  options: {
    watchers: { type: 'string', default: '20' },
    blocks: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '6' },
  },
});
const positive = (name: string, text: string | undefined): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`error: --${name} must be a whole number ≥ 1, got "${text}".`);
    process.exit(1);
  }
  return value;
};
const watcherCount = positive('watchers', values.watchers);
const blockCount = positive('blocks', values.blocks);
const roundCount = positive('rounds', values.rounds);

const contracts = {
  taskManager: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address,
  nodeRegistry: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512' as Address,
};
const nodes = Array.from(
  { length: watcherCount },
  (_, index) => `0x${(index + 1).toString(16).padStart(40, '0')}` as Address,
);
const events = new Map(
  (taskManagerAbi as readonly { type: string; name?: string }[])
    .filter((item): item is AbiEvent => item.type === 'event')
    .map((item) => [item.name, item]),
);

/** A TaskManager log as the feed hands it over (viem's Log, its fields as eth_getLogs gives them). */
function taskManagerLog(
  block: { number: bigint; hash: Hex },
  logIndex: number,
  name: string,
  indexed: Record<string, unknown>,
  data: readonly unknown[],
): Log {
  const event = events.get(name);
  if (!event) throw new Error(`TaskManager has no event ${name}`);
  return {
    address: contracts.taskManager,
    blockHash: block.hash,
    blockNumber: block.number,
    data: encodeAbiParameters(
      event.inputs.filter((input) => !input.indexed),
      data as never,
    ),
    logIndex,
    removed: false,
    topics: encodeEventTopics({ abi: [event], eventName: name, args: indexed } as never) as never,
    transactionHash: keccak256(toHex(`${block.number}:${logIndex}`)),
    transactionIndex: 0,
  };
}

type Block = { number: bigint; hash: Hex; parentHash: Hex; logs: Log[] };
const chain: Block[] = [
  { number: 0n, hash: keccak256(toHex('block 0')), parentHash: `0x${'00'.repeat(32)}`, logs: [] },
];
const taskKey = (task: number) => keccak256(toHex(`task ${task}`));
let task = 0;

/** Mines the next block (built before the clock starts: only the watchers' work is timed). */
function nextBlock(): Block {
  const previous = chain[chain.length - 1] as Block;
  const block = { number: previous.number + 1n, hash: keccak256(toHex(`block ${previous.number + 1n}`)) };
  const node = nodes[task % nodes.length] as Address;
  const logs: Log[] = [];
  switch (Number(block.number % 3n)) {
    case 0:
      logs.push(
        taskManagerLog(block, 0, 'TaskCreated', { taskKey: taskKey(task), creator: nodes[0] }, [
          1,
          10n ** 15n,
          keccak256(taskKey(task)),
          100n,
        ]),
        taskManagerLog(block, 1, 'TaskStarted', { taskKey: taskKey(task), node }, [1]),
      );
      break;
    case 1:
      logs.push(
        taskManagerLog(block, 0, 'TaskScoreReady', { taskKey: taskKey(task), node }, [
          `0x${'00'.repeat(32)}`,
          '0x1234',
        ]),
      );
      break;
    default:
      logs.push(
        taskManagerLog(block, 0, 'TaskEndSuccess', { taskKey: taskKey(task), node }, [node, 10n ** 15n]),
      );
      task++;
  }
  return { ...block, parentHash: previous.hash, logs };
}

const listeners = new Set<() => void>();
/** What the devnet's feed answers from memory: the head, headers and logs of the kept blocks. */
const source: ChainSource = {
  getBlockNumber: async () => (chain[chain.length - 1] as Block).number,
  getBlock: async ({ blockNumber }) => {
    const block = chain[Number(blockNumber)];
    if (!block) throw new Error(`block ${blockNumber} could not be found`);
    return block;
  },
  getLogs: async ({ fromBlock, toBlock }) => {
    const logs: Log[] = [];
    for (let number = fromBlock; number <= toBlock; number++)
      logs.push(...(chain[Number(number)] as Block).logs);
    return logs;
  },
  subscribe: (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

const dir = mkdtempSync(join(tmpdir(), 'verinet-bench-watchers-'));
const stores = nodes.map((_, index) => openStore({ path: join(dir, `node-${index}.db`) }));
const watchers = nodes.map((node, index) => {
  const store = stores[index]!;
  const recentCreations = createRecentCreations();
  // As the daemon wires them (createNodeDaemon): one decode per batch for `mayWrite` and `onLogs`.
  const eventsOf = createNodeEventsDecoder(contracts, node);
  return createChainWatcher({
    client: undefined as never,
    source,
    store,
    addresses: [contracts.taskManager, contracts.nodeRegistry],
    startBlock: 1,
    confirmations: 0,
    pollIntervalMs: 1_000,
    mayWrite: (logs) => eventsMayWriteStore(eventsOf(logs)),
    onLogs: (logs) => {
      applyNodeEvents(store, eventsOf(logs), recentCreations, { created: () => {}, drawn: () => {} });
    },
  });
});

/** CPU µs per block over `count` blocks, each announced and waited for by every watcher. */
async function round(count: number): Promise<number> {
  const blocks = Array.from({ length: count }, () => {
    const block = nextBlock();
    chain.push(block);
    return block;
  });
  chain.length -= count;
  const before = process.cpuUsage();
  for (const block of blocks) {
    chain.push(block);
    for (const listener of listeners) listener();
    const target = Number(block.number);
    while (!watchers.every((watcher) => (watcher.status().cursor?.blockNumber ?? -1) >= target))
      await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

try {
  for (const watcher of watchers) watcher.start();
  const loadBefore = loadavg()[0] ?? 0;
  await round(blockCount);
  const rounds: number[] = [];
  for (let index = 0; index < roundCount; index++) rounds.push(await round(blockCount));
  const sorted = [...rounds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  console.log(
    `bench:watchers — ${watcherCount} watchers, ${roundCount} rounds of ${blockCount} blocks after a warm-up round (load ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}, 2 cores shared)`,
  );
  console.log(
    `  CPU per block (all watchers): ${rounds.map((value) => value.toFixed(0)).join(', ')} µs; median ${median.toFixed(0)} µs, min ${(sorted[0] as number).toFixed(0)} µs (${(median / watcherCount).toFixed(1)} µs per watcher)`,
  );
} finally {
  for (const watcher of watchers) await watcher.stop();
  for (const store of stores) store.close();
  rmSync(dir, { recursive: true, force: true });
}
