import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address, Hex } from 'viem';
import { openStore } from '../store/openStore.js';
import { createQueueDispatcher } from './createQueueDispatcher.js';

const zero = `0x${'0'.repeat(64)}` as Hex;
const key = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;

/** A dispatcher whose chain answers `queueHead()` with `head.value` and counts the reads (nothing else is asked). */
function dispatcherOnQueue(head: { value: Hex }) {
  const store = openStore({ path: ':memory:' });
  const counter = { reads: 0 };
  const client = {
    readContract: async ({ functionName }: { functionName: string }) => {
      if (functionName !== 'queueHead') throw new Error(`unexpected ${functionName}`);
      counter.reads++;
      return head.value;
    },
  };
  const dispatcher = createQueueDispatcher({
    client: client as never,
    sender: {} as never,
    store,
    contracts: { taskManager: '0x0000000000000000000000000000000000000001' } as never,
    node: '0x00000000000000000000000000000000000000aa' as Address,
    intervalMs: 50,
    maxGas: 1n,
    hints: true,
    rereadMs: 30_000,
    isIdle: () => true,
    notice: () => {},
  });
  return { dispatcher, counter, close: () => store.close() };
}

describe('queue dispatcher: the queue as the events show it', () => {
  it('once a read found the queue empty, a freed node reads nothing until a TaskQueued; after a reorg it reads again', async () => {
    const head = { value: zero };
    const { dispatcher, counter, close } = dispatcherOnQueue(head);
    try {
      await dispatcher.tick(); // at start: nothing known, one read (empty)
      assert.equal(counter.reads, 1);
      dispatcher.hint(); // this node freed: the events show no queued task
      await dispatcher.tick();
      assert.equal(counter.reads, 1, 'no read while the events show an empty queue');
      dispatcher.queued(key(1)); // TaskQueued
      dispatcher.left(key(1)); // drawn at once (TaskStarted) before the tick
      dispatcher.hint();
      await dispatcher.tick();
      assert.equal(counter.reads, 1, 'a task queued and drawn since leaves nothing queued');
      dispatcher.queued(key(2));
      await dispatcher.tick();
      assert.equal(counter.reads, 2, 'a TaskQueued reads the queue');
      dispatcher.left(key(2));
      dispatcher.forget(); // a reorg: the events will be read again
      dispatcher.hint();
      await dispatcher.tick();
      assert.equal(counter.reads, 3, 'after a reorg the chain is asked again');
    } finally {
      close();
    }
  });

  it('a read that finds a task the events did not show keeps reading at each hint until the queue is seen empty', async () => {
    const head = { value: zero };
    const { dispatcher, counter, close } = dispatcherOnQueue(head);
    try {
      await dispatcher.tick(); // empty
      head.value = key(3); // queued before this process read its events (say): the events never showed it
      // The read finds it; the node is not Available (readNodeStatus is not answered), so the tick fails after it.
      dispatcher.queued(key(4));
      dispatcher.left(key(4));
      dispatcher.forget();
      await dispatcher.tick().catch(() => {});
      assert.equal(counter.reads, 2);
      dispatcher.hint();
      await dispatcher.tick().catch(() => {});
      assert.equal(counter.reads, 3, 'the events show nothing queued, but the chain did: read');
      head.value = zero;
      dispatcher.hint();
      await dispatcher.tick();
      assert.equal(counter.reads, 4);
      dispatcher.hint();
      await dispatcher.tick();
      assert.equal(counter.reads, 4, 'seen empty again: no read');
    } finally {
      close();
    }
  });
});
