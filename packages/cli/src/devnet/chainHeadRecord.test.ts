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
