import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { Hex } from 'viem';
import { getHashMismatch, ObjectPutError, type ObjectStore } from './types.js';

const batchBytes = 256 * 1024;
/** Written bytes after which a large object's data is flushed to disk while the rest still arrives. */
const earlySyncBytes = 4 * 1024 * 1024;
const keyPattern = /^[a-z]+\/0x[0-9a-f]{64}\/[0-9a-f-]{36}$/;

function assertKey(key: string): void {
  // Keys are made by the relay, never taken from a request; the check guards against a bug turning into a
  // path outside the store.
  if (!keyPattern.test(key)) throw new Error(`invalid object key ${JSON.stringify(key)}`);
}

async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Objects as files under `root/objects`, each written once under a fresh random key and fsynced with its
 * folder before `put` returns. No temporary name and rename: no row names a key before its `put` returned, so
 * a kill -9 mid-write leaves at worst an unreferenced partial file, which nothing reads and retention deletes
 * as an orphan ({@link ObjectStore.listOlderThan}, an hour old). `root/tmp` (used before session 7) is
 * emptied at startup.
 *
 * @example
 * const objects = await createFileObjectStore('/var/lib/verinet-relay');
 */
export async function createFileObjectStore(root: string): Promise<ObjectStore> {
  const objectsDir = join(root, 'objects');
  const tmpDir = join(root, 'tmp');
  await mkdir(objectsDir, { recursive: true });
  await rm(tmpDir, { recursive: true, force: true });
  // Folders whose own entries a completed put has made durable (their parents fsynced after they existed).
  const durableFolders = new Set<string>();
  const pathOf = (key: string) => {
    assertKey(key);
    return join(objectsDir, ...key.split('/'));
  };

  return {
    async put(key, body, { maxBytes, expectedSha256, size }) {
      const target = pathOf(key);
      const folder = dirname(target);
      // A new folder's own entry is durable only once its parent is fsynced. Whether this put made the folder
      // does not tell: a concurrent put into the same new folder finds it made and could return (and its row be
      // written) before the maker's parent fsync ends. So every put fsyncs the parents too until one of them
      // has done so for this folder (then the folder is remembered as durable).
      await mkdir(folder, { recursive: true });
      const folders = [folder];
      if (!durableFolders.has(folder))
        for (let dir = folder; dir !== objectsDir && dir !== dirname(dir); dir = dirname(dir))
          folders.push(dirname(dir));
      const handle = await open(target, 'wx', 0o600);
      const hash = createHash('sha256');
      let written = 0;
      let ok = false;
      // Network chunks are small (16-64 KiB): writing each one is a thread-pool round trip, so they are
      // gathered up to `batchBytes` and written together; one batch is written while the next one is received
      // (at most two batches of memory per upload), so the disk and the socket are never waited for in turn.
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let writing: Promise<void> = Promise.resolve();
      const flush = async (chunks: Buffer[], total: number) => {
        // One vectored write, no copy; a short write (rare on regular files) finishes with plain writes.
        let offset = (await handle.writev(chunks)).bytesWritten;
        if (offset < total) {
          const data = Buffer.concat(chunks, total);
          while (offset < total) offset += (await handle.write(data, offset, total - offset)).bytesWritten;
        }
      };
      // Large objects: the bytes already written are flushed to disk (fdatasync, in the background, one at a
      // time) while the rest is received, so the final fsync waits for the tail only, not the whole object.
      let unsynced = 0;
      let syncing: Promise<void> | undefined;
      let syncFailure: unknown;
      const startFlush = () => {
        unsynced += pendingBytes;
        writing = flush(pending, pendingBytes).then(() => {
          if (unsynced < earlySyncBytes || syncing) return;
          unsynced = 0;
          // A failed fsync is kept and thrown at the end: a later fsync may succeed without the lost pages.
          syncing = handle
            .datasync()
            .catch((error: unknown) => {
              syncFailure ??= error;
            })
            .finally(() => {
              syncing = undefined;
            });
        });
        // Awaited before the next batch and before the end; never an unhandled rejection in between.
        writing.catch(() => {});
        pending = [];
        pendingBytes = 0;
      };
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          written += chunk.length;
          if (written > maxBytes) throw new ObjectPutError('too_large', `larger than ${maxBytes} bytes`);
          hash.update(chunk);
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= batchBytes) {
            await writing;
            startFlush();
          }
        }
        await writing;
        if (pendingBytes > 0) {
          startFlush();
          await writing;
        }
        if (size !== undefined && written !== size)
          throw new ObjectPutError(
            'length_mismatch',
            `received ${written} bytes, Content-Length said ${size}`,
          );
        const sha256 = `0x${hash.digest('hex')}` as Hex;
        const mismatch = getHashMismatch(sha256, expectedSha256);
        if (mismatch) throw mismatch;
        await syncing;
        if (syncFailure !== undefined) throw syncFailure;
        // The file and its folder entry synced together (both must be durable before a row names the key;
        // their order does not matter), not one after the other: one fsync's latency instead of two.
        await Promise.all([handle.sync(), ...folders.map(fsyncDir)]);
        if (folders.length > 1) {
          // Forgetting is safe (it only costs parent fsyncs again), so the memory stays bounded.
          if (durableFolders.size >= 100_000) durableFolders.clear();
          durableFolders.add(folder);
        }
        await handle.close();
        ok = true;
        return { size: written, sha256 };
      } finally {
        if (!ok) {
          await writing.catch(() => {});
          await syncing;
          await handle.close().catch(() => {});
          await unlink(target).catch(() => {});
        }
      }
    },
    async get(key) {
      const path = pathOf(key);
      await stat(path);
      return createReadStream(path, { highWaterMark: 1 << 20 }) as Readable;
    },
    async getBytes(key, maxBytes) {
      const path = pathOf(key);
      const info = await stat(path);
      if (info.size > maxBytes)
        throw new ObjectPutError('too_large', `object ${key} is above ${maxBytes} bytes`);
      return new Uint8Array(await readFile(path));
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async listOlderThan(olderThanMs, limit, after = '') {
      const cutoff = Date.now() - olderThanMs;
      const entries = await readdir(objectsDir, { recursive: true, withFileTypes: true });
      const candidates: { key: string; full: string }[] = [];
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const full = join(entry.parentPath, entry.name);
        const key = relative(objectsDir, full).split(sep).join('/');
        if (keyPattern.test(key) && key > after) candidates.push({ key, full });
      }
      candidates.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const keys: string[] = [];
      for (const { key, full } of candidates) {
        const info = await stat(full).catch(() => undefined);
        if (info && info.mtimeMs < cutoff) keys.push(key);
        if (keys.length >= limit) break;
      }
      return keys;
    },
    async ping() {
      await stat(objectsDir);
    },
    async close() {},
  };
}
