import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createFileObjectStore } from './createFileObjectStore.js';

const name = () => `results/0x${'ab'.repeat(32)}/${randomUUID()}`;
const packs = async (dir: string) =>
  (await readdir(join(dir, 'packs'))).filter((f) => f.endsWith('.pack')).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pack lanes after a burst (review s8 finding 5)', () => {
  it('packs of lanes 1-3 whose records were all deleted are removed once aged, under sequential traffic', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verinet-pack-lanes-'));
    const store = await createFileObjectStore(dir, { maxPackAgeMs: 300 });
    try {
      // A burst: puts arriving while lane 0 syncs go to other lanes.
      const bytes = randomBytes(2 << 20);
      const burst = [];
      for (let i = 0; i < 12; i++) {
        burst.push(store.put(name(), Readable.from([bytes]), { maxBytes: 8 << 20, size: bytes.length }));
        await sleep(2);
      }
      const keys = (await Promise.all(burst)).map((s) => s.key);
      const burstPacks = await packs(dir);
      for (const key of keys) await store.delete(key);
      await sleep(400); // every burst pack is past its age
      // Sequential traffic afterwards (one put at a time, each deleted), and the orphan sweep's listing.
      for (let i = 0; i < 5; i++) {
        const s = await store.put(name(), Readable.from([Buffer.from('x')]), { maxBytes: 10, size: 1 });
        await store.delete(s.key);
        await sleep(100);
      }
      await store.listOlderThan(0, 1000);
      await sleep(50);
      const left = (await packs(dir)).filter((p) => burstPacks.includes(p));
      assert.equal(left.length, 0, `${left.length} emptied, aged burst packs stay on disk (and open)`);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
