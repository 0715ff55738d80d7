import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address, Hex } from 'viem';
import { openStore } from '../store/openStore.js';
import { createQueueDispatcher } from './createQueueDispatcher.js';

// Review s8: with hints, one failed queueHead read (RPC hiccup) must not silence the queue for 30 s.
describe('review s8: queue dispatcher after a failed queueHead read', () => {
  it('reads the queue again at the next interval after a failed read (no 30 s gap)', async () => {
    const store = openStore({ path: ':memory:' });
    let reads = 0;
    let failNext = true;
    const client = {
      readContract: async ({ functionName }: { functionName: string }) => {
        if (functionName !== 'queueHead') throw new Error(`unexpected ${functionName}`);
        reads++;
        if (failNext) {
          failNext = false;
          throw new Error('HTTP request failed (503)');
        }
        return `0x${'0'.repeat(64)}` as Hex;
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
    await assert.rejects(dispatcher.tick(), /503/); // the read a TaskQueued hint asked for fails
    await dispatcher.tick(); // the next interval's tick
    store.close();
    assert.equal(
      reads,
      2,
      `queueHead reads after a failed one: ${reads} (the hint was consumed by the failure)`,
    );
  });
});
