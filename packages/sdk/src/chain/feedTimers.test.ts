import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTaskLogFeed } from './createTaskLogFeed.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Review s8: the last wait stops while a poll is on its way and a new wait starts before it returns (an app
// running tasks back to back). The feed must keep one poll loop, not one more per such handover.
describe('review s8: shared log feed poll loop across wait handovers', () => {
  it('polls at the interval with one wait after 5 handovers during a poll', async () => {
    let calls = 0;
    let inFlight = 0;
    const publicClient = {
      getBlockNumber: async () => {
        calls++;
        inFlight++;
        await sleep(40);
        inFlight--;
        return 100n;
      },
      getLogs: async () => [],
    };
    const feed = createTaskLogFeed({
      publicClient: publicClient as never,
      taskManager: `0x${'11'.repeat(20)}`,
      pollIntervalMs: 100,
    });
    let watch = feed.watch([`0x${'aa'.repeat(32)}`]);
    for (let i = 0; i < Number(process.env.HANDOVERS ?? 5); i++) {
      while (inFlight === 0) await sleep(2); // a poll is on its way
      watch.stop();
      watch = feed.watch([`0x${'aa'.repeat(32)}`]);
      while (inFlight > 0) await sleep(2);
    }
    await sleep(300);
    const before = calls;
    await sleep(1_400);
    const rate = calls - before;
    watch.stop();
    await feed.close();
    console.log(`eth_blockNumber reads in 1.4 s with one wait (interval 100 ms, 40 ms per read): ${rate}`);
    assert.ok(rate <= 11, `${rate} reads: more than one poll loop runs`);
  });
});
