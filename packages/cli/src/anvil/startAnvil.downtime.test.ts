import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createPublicClient, http } from 'viem';
import { startAnvil } from './startAnvil.js';

/**
 * Review s15 (d56dd1a): a devnet's chain reloaded after a stop must not count the time it was stopped. Task timeouts
 * count from each task's state time on the chain's clock (PROTOCOL.md: timeouts cost QoS points, repeated ones kick
 * the node out): a chain whose next block jumps by the downtime times out every task in flight at the restart, for
 * nodes that did nothing wrong (they were stopped with the devnet).
 */
describe('startAnvil (review s15)', () => {
  it('forkIdleBase reloaded after a stop: the next block does not jump by the downtime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verinet-downtime-'));
    const options = {
      chainId: 31337,
      hardfork: 'cancun',
      stateFile: join(dir, 'chain.json'),
      forkIdleBase: true,
    } as const;
    const downtimeSec = 20;
    try {
      const first = await startAnvil(options);
      let savedTime: bigint;
      try {
        const client = createPublicClient({ transport: http(first.rpcUrl) });
        await client.request({ method: 'evm_mine' as never, params: [] as never });
        savedTime = (await client.getBlock()).timestamp;
      } finally {
        await first.stop();
      }
      // The devnet is stopped (an evening, a reboot, a kill -9): here for 20 s.
      await new Promise((resolve) => setTimeout(resolve, downtimeSec * 1000));
      const second = await startAnvil(options);
      try {
        const client = createPublicClient({ transport: http(second.rpcUrl) });
        await client.request({ method: 'evm_mine' as never, params: [] as never });
        const next = (await client.getBlock()).timestamp;
        assert.ok(next >= savedTime, 'never back');
        assert.ok(
          next - savedTime < BigInt(downtimeSec / 2),
          `the chain's clock jumped ${next - savedTime} s across a ${downtimeSec} s stop: every task in flight loses that much of its timeout`,
        );
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
