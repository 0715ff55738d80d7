import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { taskManagerAbi } from '@verinet/protocol/chain';
import {
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  getAbiItem,
  type Hex,
  keccak256,
  type Log,
  toHex,
} from 'viem';
import { decodeNodeEvents } from '../chain/taskManager.js';
import { countChanges, getTask, insertTask, openStore, updateTask } from '../store/index.js';
import { applyChainLogs, applyNodeEvents, eventsMayWriteStore } from './applyChainLogs.js';

const contracts = {
  taskManager: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address,
  nodeRegistry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' as Address,
};
const me: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const key = (n: number) => keccak256(toHex(`task ${n}`));

/** A TaskManager log of `eventName` in block `block`, as the RPC serves it. */
function logOf(eventName: string, args: Record<string, unknown>, block: number): Log {
  const event = getAbiItem({ abi: taskManagerAbi, name: eventName as never }) as {
    inputs: readonly { name: string; type: string; indexed?: boolean }[];
  };
  const topics = encodeEventTopics({
    abi: taskManagerAbi,
    eventName: eventName as never,
    args: args as never,
  });
  const unindexed = event.inputs.filter((input) => !input.indexed);
  return {
    address: contracts.taskManager,
    topics: topics as [Hex, ...Hex[]],
    data: encodeAbiParameters(
      unindexed,
      unindexed.map((input) => args[input.name]),
    ),
    blockNumber: BigInt(block),
    blockHash: keccak256(toHex(`block ${block}`)),
    logIndex: 0,
    transactionHash: keccak256(toHex(`tx ${block}`)),
    transactionIndex: 0,
    removed: false,
  };
}

describe('applyChainLogs: the block of a task end, and a restarted life', () => {
  it('an end first seen by a read of the chain is dated (and its fee filled) by its event, once', () => {
    const store = openStore({ path: ':memory:' });
    insertTask(store, { taskKey: key(1), taskType: 1, startedBlock: 5, argsCommitment: null });
    // As follow leaves it: ended from the task's state, no event read yet.
    updateTask(store, key(1), { step: 'ended', outcome: 'success', score: '0x01' });
    const end = logOf('TaskEndSuccess', { taskKey: key(1), node: me, beneficiary: me, fee: 5n }, 12);
    assert.equal(applyChainLogs(store, [end], contracts, me).changed, true);
    assert.equal(getTask(store, key(1))?.endedBlock, 12);
    assert.equal(getTask(store, key(1))?.fee, '5');
    assert.equal(applyChainLogs(store, [end], contracts, me).changed, false, 'idempotent');

    // An end read from its event directly.
    insertTask(store, { taskKey: key(2), taskType: 1, startedBlock: 6, argsCommitment: null });
    updateTask(store, key(2), { step: 'reported', score: '0x01' });
    applyChainLogs(
      store,
      [logOf('TaskEndSuccess', { taskKey: key(2), node: me, beneficiary: me, fee: 7n }, 13)],
      contracts,
      me,
    );
    assert.deepEqual(
      [getTask(store, key(2))?.step, getTask(store, key(2))?.endedBlock, getTask(store, key(2))?.fee],
      ['ended', 13, '7'],
    );
    store.close();
  });

  it("a lost task drawn onto this node again starts over without the earlier life's fee or end", () => {
    const store = openStore({ path: ':memory:' });
    insertTask(store, { taskKey: key(3), taskType: 1, startedBlock: 8, argsCommitment: null });
    // Paid in its earlier life, then marked lost by a reorganization (markReplacedEndsLost).
    updateTask(store, key(3), { step: 'ended', outcome: 'lost', fee: '9', endedBlock: 9, score: '0x01' });
    applyChainLogs(
      store,
      [logOf('TaskStarted', { taskKey: key(3), node: me, taskType: 1 }, 14)],
      contracts,
      me,
    );
    const task = getTask(store, key(3));
    assert.deepEqual(
      [task?.step, task?.startedBlock, task?.outcome, task?.fee, task?.endedBlock, task?.score],
      ['assigned', 14, null, null, null, null],
    );
    store.close();
  });

  it('a lost task with a result drawn onto this node again keeps the result for fetchArgs to report again', () => {
    const store = openStore({ path: ':memory:' });
    insertTask(store, { taskKey: key(4), taskType: 1, startedBlock: 8, argsCommitment: key(40) });
    const result = {
      score: '0x02',
      resultFiles: '[]',
      outputDir: '/data/tasks/4/out',
      argsPath: '/data/tasks/4/args.json',
      salt: key(41),
    } as const;
    updateTask(store, key(4), { step: 'ended', outcome: 'lost', fee: '9', endedBlock: 9, ...result });
    applyChainLogs(
      store,
      [logOf('TaskStarted', { taskKey: key(4), node: me, taskType: 1 }, 15)],
      contracts,
      me,
    );
    const task = getTask(store, key(4));
    assert.deepEqual(
      [task?.step, task?.startedBlock, task?.outcome, task?.fee, task?.argsCommitment, task?.resultSignature],
      ['assigned', 15, null, null, null, null],
    );
    assert.deepEqual(
      [task?.score, task?.resultFiles, task?.outputDir, task?.argsPath, task?.salt],
      Object.values(result),
    );
    store.close();
  });

  it("another node's task events may not write (the watcher then skips its transaction) and write nothing; this node's may", () => {
    const store = openStore({ path: ':memory:' });
    const other: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
    insertTask(store, { taskKey: key(9), taskType: 1, startedBlock: 3, argsCommitment: null });
    const created = logOf(
      'TaskCreated',
      { taskKey: key(7), creator: other, taskType: 1, fee: 5n, argsCommitment: key(70), taskSize: 100n },
      20,
    );
    const theirs = [
      created,
      logOf('TaskQueued', { taskKey: key(8) }, 20),
      logOf('TaskStarted', { taskKey: key(7), node: other, taskType: 1 }, 21),
      logOf('TaskScoreReady', { taskKey: key(9), node: other, seed: key(90), score: '0x01' }, 22),
      logOf('TaskEndSuccess', { taskKey: key(9), node: other, beneficiary: other, fee: 5n }, 23),
    ];
    const events = decodeNodeEvents(theirs, contracts, me);
    assert.ok(events.length > 0, 'created and drawn are kept for every task');
    assert.equal(eventsMayWriteStore(events), false);
    const before = countChanges(store);
    const drawn: Hex[] = [];
    applyNodeEvents(store, events, undefined, { created: () => {}, drawn: (taskKey) => drawn.push(taskKey) });
    assert.equal(countChanges(store), before, 'nothing written');
    assert.deepEqual(drawn, [key(8), key(7)], 'the draw listener still hears every draw');

    const mine = [created, logOf('TaskStarted', { taskKey: key(7), node: me, taskType: 1 }, 21)];
    assert.equal(eventsMayWriteStore(decodeNodeEvents(mine, contracts, me)), true);
    assert.equal(applyChainLogs(store, mine, contracts, me).changed, true);
    assert.equal(getTask(store, key(7))?.argsCommitment, key(70));
    store.close();
  });
});
