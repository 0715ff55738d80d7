import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readlink, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Hex } from 'viem';
import { createFileObjectStore } from './createFileObjectStore.js';
import { ObjectMissingError, type ObjectStore } from './types.js';

const name = () => `results/0x${'ab'.repeat(32)}/${randomUUID()}`;
const sha = (bytes: Buffer) => `0x${createHash('sha256').update(bytes).digest('hex')}` as Hex;
/** A body arriving in network-sized chunks. */
const body = (bytes: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) =>
      bytes.subarray(i * 65536, (i + 1) * 65536),
    ),
  );
const packFiles = async (dir: string) =>
  (await readdir(join(dir, 'packs'))).filter((f) => f.endsWith('.pack'));

describe('file object store: small objects in group-committed packs', () => {
  let dir: string;
  let store: ObjectStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-packs-'));
    store = await createFileObjectStore(dir);
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores concurrent puts as pack records, read back byte-exact; torn tails and deletes as designed', async () => {
    const bodies = Array.from({ length: 24 }, (_, i) => randomBytes(i === 0 ? 0 : 1000 + i * 40_000));
    const stored = await Promise.all(
      bodies.map((bytes) =>
        store.put(name(), body(bytes), { maxBytes: 8 << 20, size: bytes.length, expectedSha256: sha(bytes) }),
      ),
    );
    for (const [i, s] of stored.entries()) {
      assert.match(s.key, /@\d{13}-[0-9a-f]{8}\.\d+\.\d+$/, 'a packed key');
      assert.equal(s.sha256, sha(bodies[i]!));
      assert.deepEqual(Buffer.from(await store.getBytes(s.key, 8 << 20)), bodies[i]);
      assert.deepEqual(Buffer.concat(await (await store.get(s.key)).toArray()), bodies[i]);
    }
    assert.equal((await packFiles(dir)).length, 1, 'one pack for puts made together');
    await assert.rejects(store.getBytes(stored[5]!.key, 10), /above 10 bytes/);

    // Refused puts append nothing.
    const wrong = randomBytes(5000);
    await assert.rejects(
      store.put(name(), body(wrong), { maxBytes: 1 << 20, size: 5000, expectedSha256: sha(randomBytes(8)) }),
      /hashes to/,
    );
    await assert.rejects(store.put(name(), body(wrong), { maxBytes: 1 << 20, size: 4999 }), /Content-Length/);
    await assert.rejects(store.put(name(), body(wrong), { maxBytes: 1 << 20, size: 5001 }), /Content-Length/);
    const listed = await store.listOlderThan(-60_000, 1000);
    assert.deepEqual(listed, stored.map((s) => s.key).sort());
    // Unknown sizes and large objects keep one file each.
    const large = randomBytes(5 << 20);
    const loose = await store.put(name(), body(large), { maxBytes: 8 << 20, size: large.length });
    assert.doesNotMatch(loose.key, /@/);
    assert.deepEqual(Buffer.from(await store.getBytes(loose.key, 8 << 20)), large);
    await store.delete(loose.key);

    // A crash mid-append leaves a torn record after the acknowledged ones: after a restart the scan lists
    // exactly the acknowledged records and every one still reads whole.
    await store.close();
    const [pack] = await packFiles(dir);
    await appendFile(join(dir, 'packs', pack!), Buffer.from([0x56, 0x52, 0x50, 0x31, 0, 0, 0, 111, 0, 1]));
    // (packQuietMs 0: the earlier run's pack counts as sealed at once, as it would after 11 minutes.)
    store = await createFileObjectStore(dir, { packQuietMs: 0 });
    assert.deepEqual(await store.listOlderThan(-60_000, 1000), stored.map((s) => s.key).sort());
    for (const [i, s] of stored.entries())
      assert.deepEqual(Buffer.from(await store.getBytes(s.key, 8 << 20)), bodies[i]);
    // Pages of the listing follow key order.
    const first = await store.listOlderThan(-60_000, 10);
    const rest = await store.listOlderThan(-60_000, 1000, first[first.length - 1]);
    assert.deepEqual([...first, ...rest], stored.map((s) => s.key).sort());

    // A pack goes once every record in it is deleted, not before.
    for (const s of stored.slice(1)) await store.delete(s.key);
    assert.equal((await packFiles(dir)).length, 1);
    assert.deepEqual(await store.listOlderThan(-60_000, 1000), [stored[0]!.key]);
    await store.delete(stored[0]!.key);
    assert.equal((await packFiles(dir)).length, 0, 'the emptied pack is removed');
    assert.deepEqual(await store.listOlderThan(-60_000, 1000), []);
  });
});

describe('file object store: staged (not durable) puts and the barrier', () => {
  it('acknowledges staged puts once written, syncs them in one barrier, and names lost objects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-barrier-'));
    let store = await createFileObjectStore(dir);
    try {
      const bodies = Array.from({ length: 12 }, (_, i) => randomBytes(1000 + i * 90_000));
      const staged = await Promise.all(
        bodies.map((bytes) =>
          store.put(name(), body(bytes), { maxBytes: 8 << 20, size: bytes.length, durable: false }),
        ),
      );
      const large = randomBytes(5 << 20);
      const loose = await store.put(name(), body(large), {
        maxBytes: 8 << 20,
        size: large.length,
        durable: false,
      });
      assert.doesNotMatch(loose.key, /@/, 'a large staged object is a file of its own');
      const keys = [...staged.map((s) => s.key), loose.key];
      // Open packs join their next datasync; concurrent barriers share it.
      await Promise.all([store.sync(keys), store.sync(keys.slice(0, 3)), store.sync([])]);
      for (const [i, s] of staged.entries())
        assert.deepEqual(Buffer.from(await store.getBytes(s.key, 8 << 20)), bodies[i]);
      // Closed packs (or another process's): the barrier datasyncs the file itself.
      await store.close();
      store = await createFileObjectStore(dir, { packQuietMs: 0 });
      await store.sync(keys);
      assert.deepEqual(Buffer.from(await store.getBytes(loose.key, 8 << 20)), large);
      // What a power loss can do to a staged object: its pack cut short, its file gone.
      const [pack] = await packFiles(dir);
      const last = staged.reduce((a, b) =>
        Number(a.key.split('.')[1]) > Number(b.key.split('.')[1]) ? a : b,
      );
      await truncate(join(dir, 'packs', pack!), Number(last.key.split('.')[1]) + 10);
      await assert.rejects(store.getBytes(last.key, 8 << 20), ObjectMissingError);
      await rm(join(dir, 'objects'), { recursive: true });
      await assert.rejects(store.getBytes(loose.key, 8 << 20), ObjectMissingError);
      await assert.rejects(store.sync([loose.key]), ObjectMissingError);
      await rm(join(dir, 'packs', pack!));
      await assert.rejects(store.sync([staged[0]!.key]), ObjectMissingError);
      await assert.rejects(store.getBytes(staged[0]!.key, 8 << 20), ObjectMissingError);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves no pack on disk after a burst over every lane is deleted and the store closes (review s8 finding 5)', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = await mkdtemp(join(tmpdir(), 'relay-lanes-'));
      const store = await createFileObjectStore(dir, { maxPackAgeMs: 300 });
      try {
        // Puts arriving while a lane syncs take the other lanes; some packs are created and then get no record.
        const bytes = randomBytes(2 << 20);
        const burst = [];
        for (let i = 0; i < 12; i++) {
          burst.push(store.put(name(), Readable.from([bytes]), { maxBytes: 8 << 20, size: bytes.length }));
          burst.push(
            store.put(name(), Readable.from([bytes.subarray(0, 1000)]), {
              maxBytes: 8 << 20,
              size: 1000,
              durable: false,
            }),
          );
          await new Promise((r) => setTimeout(r, 2));
        }
        const keys = (await Promise.all(burst)).map((s) => s.key);
        assert.ok((await packFiles(dir)).length > 1, 'the burst used several lanes');
        for (const key of keys) await store.delete(key);
        // Sequential traffic once every burst pack is past its age: aged lanes are sealed and dropped.
        await new Promise((r) => setTimeout(r, 350));
        const one = await store.put(name(), Readable.from([Buffer.from('x')]), { maxBytes: 10, size: 1 });
        await store.delete(one.key);
      } finally {
        await store.close();
      }
      assert.deepEqual(await packFiles(dir), [], `round ${round}: every emptied pack is removed by close`);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes the packing memory budget as bytes arrive: stalled uploads hold only what they sent, a put beyond it goes on as a file (review s8 finding 7)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-budget-'));
    const store = await createFileObjectStore(dir, { packBufferBytes: 1 << 20 });
    try {
      // 20 uploads declaring 200 KB each (4 MB, four times the budget) send 1,000 bytes and stall.
      const stalled = Array.from({ length: 20 }, () => new PassThrough());
      const stalledPuts = stalled.map((b) => {
        b.write(Buffer.alloc(1000, 1));
        return store.put(name(), b, { maxBytes: 8 << 20, size: 200_000 }).then(
          () => 'stored',
          (e: Error) => e.message,
        );
      });
      await new Promise((r) => setTimeout(r, 20));
      const small = randomBytes(100_000);
      const packed = await store.put(name(), body(small), { maxBytes: 1 << 20, size: small.length });
      assert.match(packed.key, /@/, 'still packed next to 20 stalled uploads');
      // Three 600 KB puts at once: the budget (1 MiB) holds one and part of another; the rest go on as files
      // with the bytes they had, byte-exact.
      const bodies = [randomBytes(600_000), randomBytes(600_000), randomBytes(600_000)];
      const stored = await Promise.all(
        bodies.map((b) =>
          store.put(name(), body(b), {
            maxBytes: 1 << 20,
            size: b.length,
            expectedSha256: sha(b),
            durable: false,
          }),
        ),
      );
      assert.ok(
        stored.some((s) => !s.key.includes('@')),
        'a put that found the budget spent went on as a file',
      );
      for (const [i, s] of stored.entries()) {
        assert.equal(s.sha256, sha(bodies[i]!));
        assert.deepEqual(Buffer.from(await store.getBytes(s.key, 1 << 20)), bodies[i]);
      }
      await store.sync(stored.map((s) => s.key));
      // A spilled put is still checked: a wrong hash is refused and leaves no file.
      const wrong = randomBytes(900_000);
      const hog = new PassThrough();
      hog.write(randomBytes(500_000));
      const hogPut = store.put(name(), hog, { maxBytes: 1 << 20, size: 600_000 }).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 20));
      await assert.rejects(
        store.put(name(), body(wrong), { maxBytes: 1 << 20, size: wrong.length, expectedSha256: sha(small) }),
        /hashes to/,
      );
      hog.destroy(new Error('client went away'));
      for (const b of stalled) b.destroy(new Error('client went away'));
      assert.ok((await Promise.all(stalledPuts)).every((outcome) => outcome !== 'stored'));
      assert.ok((await hogPut) instanceof Error);
      // The aborted uploads released their budget: a 900 KB put is packed again.
      const after = await store.put(name(), body(wrong), { maxBytes: 1 << 20, size: wrong.length });
      assert.match(after.key, /@/);
      const listed = await store.listOlderThan(-60_000, 1000);
      assert.deepEqual(listed, [packed.key, ...stored.map((s) => s.key), after.key].sort());
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('file object store: pack read handles', () => {
  /** This process's open descriptors on the pack `packId` (Linux /proc), removed packs included. */
  const handlesTo = async (packId: string) => {
    let count = 0;
    for (const fd of await readdir('/proc/self/fd')) {
      const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
      if (target.includes(`${packId}.pack`)) count++;
    }
    return count;
  };

  it('keeps a read pack open for the next reads, and closes it as soon as the pack is removed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-read-handles-'));
    const store = await createFileObjectStore(dir, { maxPackAgeMs: 100 });
    try {
      const bytes = randomBytes(300_000);
      const put = await store.put(name(), body(bytes), { maxBytes: 8 << 20, size: bytes.length });
      const packId = put.key.split('@')[1]!.split('.')[0]!;
      // The pack ages out of its lane at the next put: the writer closes it.
      await new Promise((resolve) => setTimeout(resolve, 150));
      const other = await store.put(name(), body(bytes), { maxBytes: 8 << 20, size: bytes.length });
      assert.notEqual(other.key.split('@')[1]!.split('.')[0], packId, 'the next put went to a new pack');
      for (let i = 0; i < 3; i++)
        assert.deepEqual(Buffer.from(await store.getBytes(put.key, 8 << 20)), bytes);
      assert.equal(await handlesTo(packId), 1, 'one handle, kept across reads (the writer closed its own)');
      // Its only record deleted: the pack goes, and so does the handle (no space held by a removed file).
      await store.delete(put.key);
      assert.deepEqual(
        (await packFiles(dir)).filter((f) => f.startsWith(packId)),
        [],
        'the emptied pack is removed',
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await handlesTo(packId), 0, 'its read handle is closed');
      await assert.rejects(store.getBytes(put.key, 8 << 20), ObjectMissingError);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves more packs read at once than it keeps handles for (review s10 finding 1: the 17th closed its own)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-read-handles-'));
    const store = await createFileObjectStore(dir, { maxPackAgeMs: 20 });
    try {
      // 17 packs (one more than the 16 handles kept): each put after the previous pack aged out.
      const objects: { key: string; bytes: Buffer }[] = [];
      for (let i = 0; i < 17; i++) {
        const bytes = randomBytes(1000);
        const put = await store.put(name(), body(bytes), { maxBytes: 8 << 20, size: bytes.length });
        objects.push({ key: put.key, bytes });
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      assert.equal(new Set(objects.map(({ key }) => key.split('@')[1]!.split('.')[0])).size, 17, '17 packs');
      const reads = await Promise.allSettled(objects.map(({ key }) => store.getBytes(key, 8 << 20)));
      reads.forEach((read, i) => {
        assert.equal(read.status, 'fulfilled', `read ${i}: ${read.status === 'rejected' ? read.reason : ''}`);
        assert.deepEqual(Buffer.from((read as PromiseFulfilledResult<Uint8Array>).value), objects[i]!.bytes);
      });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
