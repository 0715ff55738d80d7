import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getChainRewind, readChainHeadRecord, recordChainHead } from './chainHeadRecord.js';

const dir = mkdtempSync(join(tmpdir(), 'verinet-chain-head-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('chainHeadRecord', () => {
  it('records the moving head and reads it back; a chain that does not answer keeps the last record', async () => {
    const file = join(dir, 'head.json');
    let head = 7n;
    let down = false;
    const record = recordChainHead({
      getBlockNumber: async () => {
        if (down) throw new Error('connection refused');
        return head;
      },
      file,
      intervalMs: 10,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(readChainHeadRecord(file)?.block, 7);
    head = 42n;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(readChainHeadRecord(file)?.block, 42);
    down = true;
    await record.stop();
    assert.equal(readChainHeadRecord(file)?.block, 42);
    assert.deepEqual(readdirSync(dir), ['head.json']);
  });

  it('each head the feed announces lands within the throttle window, and flush writes the newest at once', async () => {
    const file = join(dir, 'feed.json');
    let head = 5n;
    const listeners = new Set<() => void>();
    const announce = (block: bigint) => {
      head = block;
      for (const listener of listeners) listener();
    };
    const record = recordChainHead({
      getBlockNumber: async () => head,
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      file,
      intervalMs: 300,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(readChainHeadRecord(file)?.block, 5);
    // Heads inside the window, then the chain stops: the last one is written by the trailing write.
    announce(6n);
    announce(7n);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(readChainHeadRecord(file)?.block, 5, 'throttled: no write inside the window');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(readChainHeadRecord(file)?.block, 7);
    // The chain dies right after a head: flush writes it without waiting for the window.
    announce(9n);
    await new Promise((resolve) => setTimeout(resolve, 20));
    record.flush();
    assert.equal(readChainHeadRecord(file)?.block, 9);
    await record.stop();
    assert.equal(listeners.size, 0);
  });

  it('an absent or corrupt record is no record', () => {
    assert.equal(readChainHeadRecord(join(dir, 'absent.json')), undefined);
    writeFileSync(join(dir, 'bad.json'), '{"block":-1');
    assert.equal(readChainHeadRecord(join(dir, 'bad.json')), undefined);
  });

  it('a rewind only when the reloaded head is below the one seen', () => {
    assert.equal(getChainRewind(undefined, 10), undefined);
    assert.equal(getChainRewind({ block: 10, at: 1 }, 10), undefined);
    assert.equal(getChainRewind({ block: 9, at: 1 }, 10), undefined);
    assert.deepEqual(getChainRewind({ block: 25, at: 1 }, 10), { fromBlock: 25, toBlock: 10, seenAt: 1 });
  });
});
