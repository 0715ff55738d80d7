import type { ObjectStore } from './types.js';

export type CreateCachedObjectStoreParameters = {
  /** Objects up to this size are kept in memory once read through `getBytes`. */
  maxObjectBytes?: number | undefined;
  /** Only keys starting with one of these are cached (arguments are read again and again; results once). */
  prefixes?: readonly string[] | undefined;
  /** Memory all cached objects may take together (least recently used go first). */
  maxBytes?: number | undefined;
};

/**
 * An object store that keeps small objects (task arguments) in memory after their first `getBytes`, so a node
 * polling its arguments costs no disk or S3 read. Safe because objects are immutable: every write goes to a new
 * random key, and `delete` (the only other change) evicts; another instance deleting an object matters only once
 * its row is gone, and every read starts from the row.
 *
 * @example
 * const objects = createCachedObjectStore(await createFileObjectStore(dir), { maxBytes: 32 << 20 });
 */
export function createCachedObjectStore(
  inner: ObjectStore,
  {
    maxObjectBytes = 256 * 1024,
    maxBytes = 32 * 1024 * 1024,
    prefixes = ['args/'],
  }: CreateCachedObjectStoreParameters = {},
): ObjectStore {
  const cache = new Map<string, Uint8Array>();
  let cachedBytes = 0;
  const evict = (key: string) => {
    const bytes = cache.get(key);
    if (!bytes) return;
    cache.delete(key);
    cachedBytes -= bytes.length;
  };

  return {
    ...inner,
    async getBytes(key, limit) {
      const hit = cache.get(key);
      if (hit && hit.length <= limit) {
        // Map order is the recency order: move the hit to the end.
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const bytes = await inner.getBytes(key, limit);
      if (bytes.length <= maxObjectBytes && prefixes.some((prefix) => key.startsWith(prefix))) {
        evict(key);
        cache.set(key, bytes);
        cachedBytes += bytes.length;
        for (const oldest of cache.keys()) {
          if (cachedBytes <= maxBytes) break;
          evict(oldest);
        }
      }
      return bytes;
    },
    async delete(key) {
      evict(key);
      await inner.delete(key);
    },
    async close() {
      cache.clear();
      cachedBytes = 0;
      await inner.close();
    },
  };
}
