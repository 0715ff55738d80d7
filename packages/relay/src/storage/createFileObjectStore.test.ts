import assert from 'node:assert/strict';
import { createHash, pbkdf2, randomBytes, randomUUID } from 'node:crypto';
import {
  appendFile,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Hex } from 'viem';
import { createFileObjectStore } from './createFileObjectStore.js';
import { readPackRecords, scanPack } from './readPackRecords.js';
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
        // The large ones arrive in two parts 20 ms apart: their records are begun with the first part and held
        // open meanwhile (a record's place is taken only once its first batch is in, session 13).
        const twoParts = () =>
          Readable.from(
            (async function* () {
              yield bytes.subarray(0, 300_000);
              await new Promise((r) => setTimeout(r, 20));
              yield bytes.subarray(300_000);
            })(),
          );
        for (let i = 0; i < 12; i++) {
          burst.push(store.put(name(), twoParts(), { maxBytes: 8 << 20, size: bytes.length }));
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

  it('writes a packed record as its bytes arrive: an upload still arriving holds back no later record, a refused one is marked dead, a crash mid-upload loses no acknowledged record (session 12)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-streamed-'));
    const copyDir = await mkdtemp(join(tmpdir(), 'relay-streamed-copy-'));
    let store = await createFileObjectStore(dir);
    try {
      // Four uploads (one per lane) send 300 KB of 600 KB and stall: their records' places are taken, their
      // headers and first batch written.
      const stalledBytes = Array.from({ length: 4 }, () => randomBytes(600_000));
      const stalled = stalledBytes.map(() => new PassThrough());
      const stalledPuts: Promise<{ key: string }>[] = [];
      for (const [i, b] of stalled.entries()) {
        b.write(stalledBytes[i]!.subarray(0, 300_000));
        const put = store.put(name(), b, {
          maxBytes: 8 << 20,
          size: 600_000,
          expectedSha256: sha(stalledBytes[i]!),
          durable: i % 2 === 0,
        });
        put.catch(() => {});
        stalledPuts.push(put);
        // The next one finds this one's lane busy and takes another (once this one's record is begun: its pack
        // file is there; bounded wait, the machine may be loaded).
        for (let waited = 0; (await packFiles(dir)).length < i + 1 && waited < 20_000; waited += 10)
          await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 30));
      }
      assert.equal((await packFiles(dir)).length, 4, 'one stalled record in each lane');
      // Puts made now share the packs with the stalled records and follow them: acknowledged all the same (a
      // scan steps over a record by its header), staged and durable alike.
      const later = Array.from({ length: 8 }, (_, i) => randomBytes(50_000 + i * 1000));
      const acknowledged = await Promise.all(
        later.map((bytes, i) =>
          store.put(name(), body(bytes), {
            maxBytes: 8 << 20,
            size: bytes.length,
            expectedSha256: sha(bytes),
            durable: i % 2 === 1,
          }),
        ),
      );
      // (Puts made in one tick share a lane: the packs hold the stalled records first, then the later ones.)
      let after = 0;
      let packsWithLater = 0;
      for (const pack of await packFiles(dir)) {
        const records = await readPackRecords(join(dir, 'packs', pack));
        const firstLater = records.findIndex((r) => r.length !== 600_000);
        if (firstLater > 0) {
          after += records.length - firstLater;
          packsWithLater++;
        }
      }
      assert.equal(after, later.length, 'every later record follows a stalled one in its pack');
      for (const [i, s] of acknowledged.entries())
        assert.deepEqual(Buffer.from(await store.getBytes(s.key, 8 << 20)), later[i]);

      // "kill -9" now: the packs as the OS holds them (a copy), opened by a fresh store. Every acknowledged
      // record is found and reads whole; a stalled record, never acknowledged, is listed too when later records
      // follow it (as an orphan: no row names it, retention removes it), not when its data would end past the
      // pack's end.
      await mkdir(join(copyDir, 'packs'), { recursive: true });
      for (const pack of await packFiles(dir))
        await copyFile(join(dir, 'packs', pack), join(copyDir, 'packs', pack));
      const crashed = await createFileObjectStore(copyDir, { packQuietMs: 0 });
      try {
        const listed = await crashed.listOlderThan(-60_000, 1000);
        for (const s of acknowledged) assert.ok(listed.includes(s.key), `acknowledged ${s.key} is listed`);
        assert.equal(listed.length, acknowledged.length + packsWithLater, 'and the stalled ones followed');
        for (const [i, s] of acknowledged.entries())
          assert.deepEqual(Buffer.from(await crashed.getBytes(s.key, 8 << 20)), later[i]);
      } finally {
        await crashed.close();
      }

      // The stalled uploads end: one whole (acknowledged), one with a wrong byte (refused: hash), one too long
      // (refused: length), one whose client goes away. The refused records are marked dead: after a restart
      // the scan lists only acknowledged records.
      stalled[0]!.end(stalledBytes[0]!.subarray(300_000));
      const wrong = Buffer.from(stalledBytes[1]!.subarray(300_000));
      wrong[0] = wrong[0]! ^ 1;
      stalled[1]!.end(wrong);
      stalled[2]!.end(Buffer.concat([stalledBytes[2]!.subarray(300_000), Buffer.alloc(1)]));
      stalled[3]!.destroy(new Error('client went away'));
      const outcomes = await Promise.allSettled(stalledPuts);
      assert.equal(outcomes[0]!.status, 'fulfilled');
      assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /hashes to/);
      assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /Content-Length/);
      assert.equal(outcomes[3]!.status, 'rejected');
      const whole = (outcomes[0] as PromiseFulfilledResult<{ key: string }>).value;
      assert.deepEqual(Buffer.from(await store.getBytes(whole.key, 8 << 20)), stalledBytes[0]);
      const kept = [whole.key, ...acknowledged.map((s) => s.key)].sort();
      assert.deepEqual(await store.listOlderThan(-60_000, 1000), kept);
      await store.close();
      store = await createFileObjectStore(dir, { packQuietMs: 0 });
      assert.deepEqual(await store.listOlderThan(-60_000, 1000), kept, 'dead records are stepped over');
      assert.deepEqual(Buffer.from(await store.getBytes(whole.key, 8 << 20)), stalledBytes[0]);
      // Every live record deleted: the packs go (the dead ones count for nothing).
      for (const key of kept) await store.delete(key);
      assert.deepEqual(await packFiles(dir), []);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
      await rm(copyDir, { recursive: true, force: true });
    }
  });
});

describe('file object store: stalled and refused uploads (review s12 findings 1 and 2)', () => {
  it('takes no pack place before the first batch arrives, and refuses an upload that then pauses for packIdleMs (finding 1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-idle-'));
    const store = await createFileObjectStore(dir, { packIdleMs: 300 });
    try {
      // Headers sent, no byte of the body: nothing on disk.
      const silent = new PassThrough();
      const silentPut = store.put(name(), silent, { maxBytes: 8 << 20, size: 600_000 });
      silentPut.catch(() => {});
      // Less than a batch: still nothing.
      const trickle = new PassThrough();
      trickle.write(randomBytes(1000));
      const tricklePut = store.put(name(), trickle, { maxBytes: 8 << 20, size: 600_000 });
      tricklePut.catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await packFiles(dir), [], 'no pack opened for uploads that sent less than a batch');

      // 300 KB of 600 KB, then a pause: the record is begun, then the upload refused once 300 ms pass without a
      // byte, its record marked dead.
      const bytes = randomBytes(600_000);
      const stalled = new PassThrough();
      stalled.write(bytes.subarray(0, 300_000));
      const begun = Date.now();
      const stalledPut = store.put(name(), stalled, { maxBytes: 8 << 20, size: 600_000, durable: false });
      const outcome = await Promise.race([
        stalledPut.then(
          () => 'stored',
          (error: Error) => error.message,
        ),
        new Promise<string>((r) => setTimeout(() => r('still holding its pack after 5 s'), 5_000)),
      ]);
      assert.match(outcome, /paused for 300 ms after 300000 of its 600000 bytes/);
      assert.ok(Date.now() - begun < 3_000);
      const [pack] = await packFiles(dir);
      assert.ok(pack, 'its record was begun');
      assert.deepEqual(await readPackRecords(join(dir, 'packs', pack!)), [], 'and is dead');
      // Later bytes of the refused upload change nothing.
      stalled.end(bytes.subarray(300_000));
      silent.destroy();
      trickle.destroy();
      await Promise.allSettled([silentPut, tricklePut]);
    } finally {
      await store.close();
    }
    assert.deepEqual(await packFiles(dir), [], 'a pack holding only a dead record is removed when it closes');
    await rm(dir, { recursive: true, force: true });
  });
});

describe('file object store: a slow disk is not a stalled upload (review s13)', () => {
  it("does not refuse an upload whose body waits for the relay's own write longer than packIdleMs", async () => {
    // The disk stall: every thread of libuv's pool (where fs writes run) busy with a key derivation longer than
    // packIdleMs, so the pack writes wait while the client's whole body is already there.
    const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const derive = (iterations: number) =>
      new Promise<void>((resolve, reject) =>
        pbkdf2('stall', 'salt', iterations, 32, 'sha256', (error) => (error ? reject(error) : resolve())),
      );
    const started = Date.now();
    await derive(100_000);
    // Iterations for about 600 ms of one thread's work (each of the pool's threads runs one).
    const iterations = Math.ceil((100_000 * 600) / Math.max(1, Date.now() - started));
    const dir = await mkdtemp(join(tmpdir(), 'relay-slow-disk-'));
    const packIdleMs = 300;
    const store = await createFileObjectStore(dir, { packIdleMs });
    try {
      const bytes = randomBytes(1_000_000);
      const stall = Promise.all(Array.from({ length: threads }, () => derive(iterations)));
      const begun = Date.now();
      const stored = await store.put(name(), body(bytes), {
        maxBytes: 8 << 20,
        size: bytes.length,
        expectedSha256: sha(bytes),
        durable: false,
      });
      await stall;
      assert.ok(Date.now() - begun > packIdleMs, `the writes waited ${Date.now() - begun} ms`);
      assert.deepEqual(Buffer.from(await store.getBytes(stored.key, 8 << 20)), bytes);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('file object store: dead records are compacted out (review s12 finding 2)', () => {
  /** Bytes the file takes on disk (a hole takes none). */
  const allocated = async (path: string) => (await stat(path)).blocks * 512;
  /** One live record, three refused uploads of 600 KB (hash mismatch: dead records), one more live record. */
  const fill = async (store: ObjectStore) => {
    const live = [randomBytes(100_000), randomBytes(50_000)];
    const first = await store.put(name(), body(live[0]!), { maxBytes: 8 << 20, size: live[0]!.length });
    for (let i = 0; i < 3; i++) {
      const refused = randomBytes(600_000);
      await assert.rejects(
        store.put(name(), body(refused), {
          maxBytes: 8 << 20,
          size: refused.length,
          expectedSha256: sha(randomBytes(8)),
        }),
        /hashes to/,
      );
    }
    const second = await store.put(name(), body(live[1]!), { maxBytes: 8 << 20, size: live[1]!.length });
    return { live, keys: [first.key, second.key] };
  };

  it('rewrites a closed pack whose dead records hold over a quarter of its data with holes in their place: the disk space goes, every key stays valid, a compaction cut short is cleaned up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-compact-'));
    let store = await createFileObjectStore(dir);
    try {
      const { live, keys } = await fill(store);
      const [pack] = await packFiles(dir);
      const path = join(dir, 'packs', pack!);
      const before = await scanPack(path);
      assert.equal(before.dead.length, 3);
      // (A refused upload's last partial batch is not written: 3 × 524,288 bytes of dead data at least.)
      assert.ok((await allocated(path)) > 1_600_000, 'the dead records took their space');
      // Closing seals and closes the pack: it is compacted.
      await store.close();
      assert.deepEqual(await packFiles(dir), [pack]);
      assert.ok((await allocated(path)) < 400_000, `${await allocated(path)} bytes on disk after compaction`);
      assert.deepEqual(await scanPack(path), before, 'the same records at the same places');
      // A compaction a kill -9 cut short (its temporary file, begun a minute ago by the time in its name) is removed
      // at startup; one still running in another process (begun now, already given the old pack's modification
      // time before its rename: review s13) is not.
      const old = new Date(Date.now() - 120_000);
      const leftover = `${path}.${old.getTime()}-0badc0de.compact`;
      const running = `${path}.${Date.now()}-0dec0ded.compact`;
      for (const file of [leftover, running]) {
        await writeFile(file, randomBytes(1000));
        await utimes(file, old, old);
      }
      store = await createFileObjectStore(dir, { packQuietMs: 0 });
      assert.deepEqual(
        (await readdir(join(dir, 'packs'))).sort(),
        [pack, running.slice(running.lastIndexOf('/') + 1)].sort(),
        'the stale temporary file removed, the running one kept',
      );
      await rm(running);
      assert.deepEqual(await store.listOlderThan(-60_000, 1000), [...keys].sort());
      for (const [i, key] of keys.entries())
        assert.deepEqual(Buffer.from(await store.getBytes(key, 8 << 20)), live[i]);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('compacts a quiet pack of an earlier run (a kill -9 left it open) when the orphan sweep lists it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-compact-crashed-'));
    const copyDir = await mkdtemp(join(tmpdir(), 'relay-compact-copy-'));
    const store = await createFileObjectStore(dir);
    try {
      const { live, keys } = await fill(store);
      // "kill -9": the pack as the OS holds it, never closed.
      await mkdir(join(copyDir, 'packs'), { recursive: true });
      const [pack] = await packFiles(dir);
      await copyFile(join(dir, 'packs', pack!), join(copyDir, 'packs', pack!));
      const path = join(copyDir, 'packs', pack!);
      const before = await scanPack(path);
      const { mtimeMs } = await stat(path);
      const restarted = await createFileObjectStore(copyDir, { packQuietMs: 0 });
      try {
        assert.deepEqual(await restarted.listOlderThan(-60_000, 1000), [...keys].sort());
        assert.ok(
          (await allocated(path)) < 400_000,
          `${await allocated(path)} bytes on disk after compaction`,
        );
        assert.deepEqual(await scanPack(path), before);
        assert.ok(Math.abs((await stat(path)).mtimeMs - mtimeMs) < 1, 'the pack keeps its age');
        for (const [i, key] of keys.entries())
          assert.deepEqual(Buffer.from(await restarted.getBytes(key, 8 << 20)), live[i]);
      } finally {
        await restarted.close();
      }
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
      await rm(copyDir, { recursive: true, force: true });
    }
  });

  it('leaves a pack whose dead records are a quarter of its data or less as it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-compact-below-'));
    const store = await createFileObjectStore(dir);
    let path = '';
    try {
      const kept = randomBytes(2_000_000);
      await store.put(name(), body(kept), { maxBytes: 8 << 20, size: kept.length });
      const refused = randomBytes(600_000);
      await assert.rejects(
        store.put(name(), body(refused), {
          maxBytes: 8 << 20,
          size: refused.length,
          expectedSha256: sha(kept),
        }),
        /hashes to/,
      );
      path = join(dir, 'packs', (await packFiles(dir))[0]!);
    } finally {
      await store.close();
    }
    assert.ok((await allocated(path)) > 2_500_000, 'not compacted (600 KB dead of 2.6 MB)');
    await rm(dir, { recursive: true, force: true });
  });
});

describe('file object store: compaction counts the dead bytes written (review s13)', () => {
  it('leaves a pack as it is when a refused upload declared 4 MB but sent a few hundred KB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-compact-declared-'));
    let store = await createFileObjectStore(dir, { packIdleMs: 300 });
    let path = '';
    try {
      const first = randomBytes(1_000_000);
      await store.put(name(), body(first), { maxBytes: 8 << 20, size: first.length });
      // Declares 4,000,000 bytes, sends 300,000 and pauses: refused, its record dead with 262,144 bytes written
      // (the first batch) and the rest of its declared length a hole once the next record is written after it.
      const stalled = new PassThrough();
      stalled.write(randomBytes(300_000));
      await assert.rejects(
        store.put(name(), stalled, { maxBytes: 8 << 20, size: 4_000_000, durable: false }),
        /paused for 300 ms/,
      );
      stalled.destroy();
      const second = randomBytes(100_000);
      await store.put(name(), body(second), { maxBytes: 8 << 20, size: second.length });
      path = join(dir, 'packs', (await packFiles(dir))[0]!);
      const { dead } = await scanPack(path);
      assert.equal(dead.length, 1);
      assert.equal(dead[0]!.length, 4_000_000, 'declared: 78% of the record data');
      const { ino } = await stat(path);
      // Closing seals and closes the pack (this process's check); a later run's sweep looks at it again (the scan).
      await store.close();
      assert.equal(
        (await stat(path)).ino,
        ino,
        'not compacted when it closed (262 KB dead of 1.36 MB written)',
      );
      store = await createFileObjectStore(dir, { packQuietMs: 0 });
      await store.listOlderThan(-60_000, 1000);
      assert.equal((await stat(path)).ino, ino, 'nor by the sweep of a later run');
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('file object store: a downgrade to a relay from before session 12 (review s12 finding 3)', () => {
  /** The pack scan of sessions 8–11: `VRP1` headers only, stopping at anything else. */
  const scanBeforeSession12 = async (path: string) => {
    const bytes = await readFile(path);
    const names: string[] = [];
    for (let at = 0; at + 12 <= bytes.length; ) {
      if (bytes.readUInt32BE(at) !== 0x56525031) break;
      const nameBytes = bytes.readUInt32BE(at + 4);
      const length = bytes.readUInt32BE(at + 8);
      const recordName = bytes.toString('utf8', at + 12, at + 12 + nameBytes);
      if (!/^[a-z]+\/0x[0-9a-f]{64}\/[0-9a-f-]{36}$/.test(recordName)) break;
      if (at + 12 + nameBytes + length > bytes.length) break;
      names.push(recordName);
      at += 12 + nameBytes + length;
    }
    return names;
  };

  it('marks a refused upload dead in its name: an older relay steps over it (an orphan to it), not stops at it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-downgrade-'));
    const store = await createFileObjectStore(dir);
    try {
      const names = [name(), name(), name()];
      const first = randomBytes(10_000);
      await store.put(names[0]!, body(first), { maxBytes: 8 << 20, size: first.length });
      const refused = randomBytes(400_000);
      await assert.rejects(
        store.put(names[1]!, body(refused), {
          maxBytes: 8 << 20,
          size: refused.length,
          expectedSha256: sha(first),
        }),
        /hashes to/,
      );
      const last = randomBytes(20_000);
      const kept = await store.put(names[2]!, body(last), { maxBytes: 8 << 20, size: last.length });
      const path = join(dir, 'packs', (await packFiles(dir))[0]!);
      const { records, dead } = await scanPack(path);
      assert.deepEqual(
        records.map((r) => r.name),
        [names[0], names[2]],
      );
      assert.equal(dead.length, 1);
      // The older scan reaches the record after the dead one: it counts for the pack's removal there.
      const older = await scanBeforeSession12(path);
      assert.equal(older.length, 3, 'every record listed by the older scan');
      assert.equal(older[2], names[2]);
      assert.notEqual(older[1], names[1], 'the dead one under a name no row has');
      assert.deepEqual(Buffer.from(await store.getBytes(kept.key, 8 << 20)), last);
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
