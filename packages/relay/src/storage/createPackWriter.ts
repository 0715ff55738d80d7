import { randomBytes } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackRecord } from './readPackRecords.js';

/** Bytes before a record's name: magic, name length, data length (u32 big-endian each). */
export const packHeaderBytes = 12;
export const packMagic = 0x56525031; // "VRP1"
/**
 * The magic of a record that will never be acknowledged (its upload failed: refused hash, length, client gone),
 * as session 12 marked it: a scan steps over it (its lengths stand) and lists nothing. It differs from
 * {@link packMagic} in its last byte only, so marking a record dead is a one-byte write, which no crash can tear.
 * A relay from before session 12 stops its scan at such a record (review s12 finding 3), so since session 13 a
 * record whose name ends with a 36-character id (every name the relay makes: a UUID) is marked dead in its name
 * instead ({@link isDeadPackName}); this magic is still read, and still written for other names.
 */
export const deadPackMagic = 0x56525030; // "VRP0"
/** Characters of the id that ends a relay-made record name (a UUID). */
const nameIdChars = 36;
/** The byte a dead record's name id starts with: `-`, which never starts a UUID. */
const deadNameMark = 0x2d;

/**
 * Whether a record's name marks it dead: the 36-character id ending it starts with `-` (one byte written over the
 * first character of its UUID). Such a name still reads as a name to a relay from before session 12, which lists
 * the record as an orphan (no row names it) and removes it with retention's sweep, rather than stopping its scan
 * there.
 */
export function isDeadPackName(name: string): boolean {
  return name.length >= nameIdChars && name.charCodeAt(name.length - nameIdChars) === deadNameMark;
}
/**
 * Packs open for appending at once ("lanes"), each with at most one datasync running. A datasync of one file
 * runs alone, and on this disk several files' syncs overlap better than one file's syncs in turn (measured:
 * 1 MB puts, 4 in flight, one pack 152–159 MB/s, separate files 296–315): a put takes an idle lane, or else the
 * lane with the fewest records waiting, and joins that lane's next datasync.
 */
const laneCount = 4;
const packIdPattern = /^\d{13}-[0-9a-f]{8}$/;

export type PackWriterParameters = {
  /** Folder of the pack files (exists, its own entry durable). */
  dir: string;
  /** A pack takes no more records once this large. */
  maxPackBytes: number;
  /** A pack takes no more records once this old (so an old pack's modification time means it is sealed). */
  maxPackAgeMs: number;
  fsyncDir: (path: string) => Promise<void>;
  /**
   * Called once a sealed pack's file is closed (its records may all have been deleted meanwhile), with its
   * records as a scan would list them (those written whole, abandoned ones left out): no need to read them back;
   * and the data bytes written for its abandoned (dead) records (not their declared lengths: a record refused
   * after 256 KiB of a declared 4 MiB holds 256 KiB on disk, the rest a hole).
   */
  onClosed?: ((packId: string, records: PackRecord[], deadBytes: number) => void) | undefined;
};

/** Where an acknowledged record's data lies. */
export type PackLocation = { packId: string; offset: number; length: number };

/**
 * A record whose data is written as it arrives: its place in the pack is taken and its header written at
 * {@link PackWriter.begin}, so the records after it need not wait for its data (a scan steps over a record by
 * its header's lengths, whatever its data holds).
 */
export type PackRecordWriter = {
  /** Writes `chunks` (`length` bytes in all) at `at` bytes into the record's data. */
  write(chunks: readonly Buffer[], at: number, length: number): Promise<void>;
  /**
   * Every byte of the data was written: resolves once the record is acknowledged (as {@link PackWriter.append}
   * would: it and every earlier record's header written, and for a durable record a datasync after that).
   */
  finish(): Promise<PackLocation>;
  /** The record will never be acknowledged: its header is marked dead (a scan skips it); where its data lay. */
  abandon(): Promise<PackLocation>;
};

export type PackWriter = {
  /**
   * Appends one record (`name`, then the bytes of `chunks`) to the open pack in one write. Durable (the default):
   * resolves once a datasync that began after the record and the header of every record before it in the pack
   * were written has returned. Not durable: resolves once the record and every earlier header were written (in
   * the page cache: safe against a killed process, not a power loss, until {@link PackWriter.sync}).
   */
  append(
    name: string,
    chunks: readonly Buffer[],
    length: number,
    options?: { durable?: boolean | undefined },
  ): Promise<PackLocation>;
  /**
   * Takes the place of a record of `length` data bytes in the open pack and writes its header, with `first` (the
   * data's first bytes, if given) in the same write; resolves once that write is done. The rest of its data is
   * written with the returned writer as it arrives (from `first`'s end on), then it is finished (acknowledged)
   * or abandoned.
   */
  begin(
    name: string,
    length: number,
    options?: { durable?: boolean | undefined },
    first?: readonly Buffer[],
  ): Promise<PackRecordWriter>;
  /**
   * Makes every record acknowledged so far in the pack durable: joins the next datasync of a pack this process
   * still appends to (shared with concurrent appends and syncs), else datasyncs the file once (a closed pack or
   * one of another process: fdatasync flushes the file's pages whoever wrote them).
   */
  sync(packId: string): Promise<void>;
  /** Whether this process may still append to (or has unsettled records in) the pack. */
  isOpen(packId: string): boolean;
  close(): Promise<void>;
};

type PendingRecord = {
  /** Where it lies (a scan's view of it). */
  place: PackRecord;
  /** The header is written: a scan steps over this record to the next. */
  headerWritten: boolean;
  /** Every data byte is written (or the record was abandoned): it leaves the queue once every header before it is written. */
  written: boolean;
  abandoned: boolean;
  /** Data bytes written so far (what an abandoned record holds on disk). */
  dataWritten: number;
  /** Acknowledged only after a datasync (else once it and the records before it are written). */
  durable: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
};

/** Waits for a datasync that begins after it was queued. */
type SyncWaiter = { resolve: () => void; reject: (error: unknown) => void };

type Pack = {
  id: string;
  handle: FileHandle;
  size: number;
  bornAt: number;
  /** Records not yet acknowledged (or, abandoned, not yet stepped over), in offset order. */
  queue: PendingRecord[];
  /** Records written whole, in the order they left the queue (for onClosed). */
  records: PackRecord[];
  /** Data bytes written for the abandoned records (for onClosed). */
  deadBytes: number;
  /** Durable records written with every earlier header, and barrier syncs: settled by the next datasync. */
  awaitingSync: SyncWaiter[];
  writes: number;
  /** 1 while a datasync runs (it covers the records written before it began). */
  syncing: number;
  sealed: boolean;
  failure: unknown;
  closed: Promise<void> | undefined;
};

/** Whether `id` names a pack file of this format. */
export function isPackId(id: string): boolean {
  return packIdPattern.test(id);
}

/**
 * Group commit for small objects: concurrent puts append their records to one pack file and share its datasyncs.
 * A record's place is taken and its header written first ({@link PackWriter.begin}); its data may follow as it
 * arrives. A record is acknowledged only when it is completely written and the header of every record before it
 * is written too (durable records: before a datasync began), so a scan from the start, stepping from header to
 * header by their lengths, reaches every acknowledged record after a kill -9 or a power loss (records still
 * arriving are stepped over), and whatever follows the first torn header was never acknowledged. A write or
 * datasync error fails every unacknowledged record of the pack and seals it.
 *
 * @example
 * const packs = createPackWriter({ dir, maxPackBytes: 64 << 20, maxPackAgeMs: 600_000, fsyncDir });
 */
export function createPackWriter({
  dir,
  maxPackBytes,
  maxPackAgeMs,
  fsyncDir,
  onClosed,
}: PackWriterParameters): PackWriter {
  const lanes: (Pack | undefined)[] = Array.from({ length: laneCount }, () => undefined);
  const creating: (Promise<Pack> | undefined)[] = Array.from({ length: laneCount }, () => undefined);
  const openPacks = new Map<string, Pack>();
  // Packs whose write or datasync failed: their unsynced pages may be lost although a later fdatasync of the
  // file succeeds, so a barrier sync of them always fails (bounded: failures are rare and seal the pack).
  const failedPacks = new Set<string>();

  const createPack = async (lane: number): Promise<Pack> => {
    const bornAt = Date.now();
    const id = `${String(bornAt).padStart(13, '0')}-${randomBytes(4).toString('hex')}`;
    const handle = await open(join(dir, `${id}.pack`), 'wx', 0o600);
    try {
      // The pack's folder entry is durable before any of its records is acknowledged.
      await fsyncDir(dir);
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    const pack: Pack = {
      id,
      handle,
      size: 0,
      bornAt,
      queue: [],
      records: [],
      deadBytes: 0,
      awaitingSync: [],
      writes: 0,
      syncing: 0,
      sealed: false,
      failure: undefined,
      closed: undefined,
    };
    openPacks.set(id, pack);
    lanes[lane] = pack;
    return pack;
  };

  const closeIfDone = (pack: Pack) => {
    if (
      !pack.sealed ||
      pack.closed ||
      pack.writes > 0 ||
      pack.syncing > 0 ||
      pack.queue.length > 0 ||
      pack.awaitingSync.length > 0
    )
      return;
    pack.closed = pack.handle
      .close()
      .catch(() => {})
      .finally(() => {
        openPacks.delete(pack.id);
        onClosed?.(pack.id, pack.records, pack.deadBytes);
      });
  };

  const seal = (pack: Pack) => {
    pack.sealed = true;
    const lane = lanes.indexOf(pack);
    if (lane >= 0) lanes[lane] = undefined;
    closeIfDone(pack);
  };

  const fail = (pack: Pack, error: unknown) => {
    pack.failure ??= error;
    if (failedPacks.size < 10_000) failedPacks.add(pack.id);
    for (const record of pack.queue.splice(0)) record.reject(pack.failure);
    for (const waiter of pack.awaitingSync.splice(0)) waiter.reject(pack.failure);
    seal(pack);
  };

  const pump = (pack: Pack) => {
    if (pack.failure !== undefined) return;
    // Written records whose every earlier header is written: a scan after a kill -9 walks the headers from the
    // start to them and finds them (an earlier record still receiving its data is stepped over by its lengths).
    // Those not needing a datasync are acknowledged now, the others wait for the next datasync.
    for (let i = 0; i < pack.queue.length; ) {
      const record = pack.queue[i]!;
      if (!record.headerWritten) break;
      if (!record.written) {
        i++;
        continue;
      }
      pack.queue.splice(i, 1);
      if (!record.abandoned) pack.records.push(record.place);
      if (record.abandoned) {
        pack.deadBytes += record.dataWritten;
        record.resolve();
      } else if (record.durable) pack.awaitingSync.push(record);
      else record.resolve();
    }
    if (pack.syncing > 0 || pack.awaitingSync.length === 0) return;
    const batch = pack.awaitingSync.splice(0);
    pack.syncing = 1;
    pack.handle.datasync().then(
      () => {
        pack.syncing = 0;
        for (const record of batch) record.resolve();
        pump(pack);
        closeIfDone(pack);
      },
      (error: unknown) => {
        pack.syncing = 0;
        for (const record of batch) record.reject(error);
        fail(pack, error);
      },
    );
  };

  const waiting = (pack: Pack) => pack.queue.length + pack.awaitingSync.length + pack.syncing;
  const pickLane = (): number => {
    let best = 0;
    for (let lane = 0; lane < laneCount; lane++) {
      const pack = lanes[lane];
      if (!pack) return lane;
      if (waiting(pack) === 0) return lane;
      if (waiting(pack) < waiting(lanes[best]!)) best = lane;
    }
    return best;
  };

  const getPack = async (recordBytes: number): Promise<Pack> => {
    // Seal every aged lane, not only the one picked: sequential traffic always picks idle lane 0, and a burst's
    // other lanes would stay open (their file handles held, their packs never removable) for good (review s8).
    const now = Date.now();
    for (const pack of lanes) if (pack && now - pack.bornAt >= maxPackAgeMs) seal(pack);
    for (;;) {
      const lane = pickLane();
      const pack = lanes[lane];
      if (pack) {
        const full = pack.size > 0 && pack.size + recordBytes > maxPackBytes;
        if (!full && Date.now() - pack.bornAt < maxPackAgeMs) return pack;
        seal(pack);
      }
      creating[lane] ??= createPack(lane).finally(() => {
        creating[lane] = undefined;
      });
      await creating[lane];
    }
  };

  /**
   * A positioned vectored write of `total` bytes at `position`; a short write finishes with plain writes. On the
   * thread pool: session 13 tried the calling thread (writevSync: the 1 MB PUT's profile had 110 ms of 411 busy in
   * the pool hand-off for 96 PUTs), which moved the main thread's samples elsewhere (hash, socket writes) without
   * lowering its CPU per MB or raising the throughput measurably, and would stall the event loop whenever the
   * kernel throttles a writer (dirty pages over their limit): not kept (docs/benchmarks/relay.md, session 13).
   */
  const writeAt = async (pack: Pack, parts: readonly Buffer[], total: number, position: number) => {
    let done = (await pack.handle.writev(parts, position)).bytesWritten;
    if (done < total) {
      const data = Buffer.concat(parts, total);
      while (done < total)
        done += (await pack.handle.write(data, done, total - done, position + done)).bytesWritten;
    }
  };

  /** Runs one write of the pack's (counted while it runs, so the pack is not closed under it). */
  const track = async (pack: Pack, write: () => Promise<void>) => {
    if (pack.failure !== undefined) throw pack.failure;
    pack.writes++;
    try {
      await write();
    } catch (error) {
      fail(pack, error);
      throw error;
    } finally {
      pack.writes--;
      closeIfDone(pack);
    }
  };

  const begin = async (
    name: string,
    length: number,
    options: { durable?: boolean | undefined },
    first: readonly Buffer[] | undefined,
    /** `first` is the whole data (an append): the record is written once the header and it are. */
    whole: boolean,
  ): Promise<{ writer: PackRecordWriter; headerAndFirst: Promise<void> }> => {
    const nameBytes = Buffer.from(name, 'utf8');
    const recordBytes = packHeaderBytes + nameBytes.length + length;
    const pack = await getPack(recordBytes);
    const offset = pack.size;
    pack.size += recordBytes;
    const dataOffset = offset + packHeaderBytes + nameBytes.length;
    const location: PackLocation = { packId: pack.id, offset: dataOffset, length };
    const header = Buffer.alloc(packHeaderBytes);
    header.writeUInt32BE(packMagic, 0);
    header.writeUInt32BE(nameBytes.length, 4);
    header.writeUInt32BE(length, 8);
    let settle!: { resolve: () => void; reject: (error: unknown) => void };
    const acknowledged = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Rejections are reported by finish() / abandon(); an abandoned upload may never ask.
    acknowledged.catch(() => {});
    const record: PendingRecord = {
      place: { name, offset: dataOffset, length },
      headerWritten: false,
      written: false,
      abandoned: false,
      dataWritten: 0,
      durable: options.durable ?? true,
      ...settle,
    };
    pack.queue.push(record);
    const parts = first ? [header, nameBytes, ...first] : [header, nameBytes];
    const firstBytes = first ? first.reduce((n, chunk) => n + chunk.length, 0) : 0;
    const headerAndFirst = track(pack, async () => {
      await writeAt(pack, parts, packHeaderBytes + nameBytes.length + firstBytes, offset);
      record.headerWritten = true;
      record.dataWritten += firstBytes;
      if (whole) record.written = true;
      pump(pack);
    });
    headerAndFirst.catch(() => {});
    let ended = false;
    const end = (abandoned: boolean) => {
      if (ended) throw new Error('pack record already finished or abandoned');
      ended = true;
      record.written = true;
      record.abandoned = abandoned;
      pump(pack);
    };
    const writer: PackRecordWriter = {
      async write(chunks, at, total) {
        if (ended) throw new Error('pack record already finished or abandoned');
        if (at + total > length) throw new Error(`write beyond the record's ${length} bytes`);
        await track(pack, () => writeAt(pack, chunks, total, dataOffset + at));
        record.dataWritten += total;
      },
      async finish() {
        await headerAndFirst;
        end(false);
        await acknowledged;
        return location;
      },
      async abandon() {
        // The header must be written before it can be marked dead (a write error seals the pack: no mark needed).
        const headerOk = await headerAndFirst.then(
          () => true,
          () => false,
        );
        if (headerOk && pack.failure === undefined) {
          // One byte either way: the first character of the name's id, or the magic's last byte.
          const inName = nameBytes.length >= nameIdChars && nameBytes.length === name.length;
          const mark = Buffer.from([inName ? deadNameMark : deadPackMagic & 0xff]);
          const at = inName ? offset + packHeaderBytes + nameBytes.length - nameIdChars : offset + 3;
          await track(pack, () => writeAt(pack, [mark], 1, at)).catch(() => {});
        }
        if (!ended) end(true);
        await acknowledged.catch(() => {});
        return location;
      },
    };
    return { writer, headerAndFirst };
  };

  return {
    async append(name, chunks, length, options = {}) {
      // The whole record in one write: header, name and data.
      const { writer } = await begin(name, length, options, chunks, true);
      return writer.finish();
    },
    async begin(name, length, options = {}, first = undefined) {
      const { writer, headerAndFirst } = await begin(name, length, options, first, false);
      await headerAndFirst;
      return writer;
    },
    async sync(packId) {
      if (failedPacks.has(packId)) throw new Error(`pack ${packId} failed a write or datasync earlier`);
      const pack = openPacks.get(packId);
      if (pack && !pack.closed) {
        if (pack.failure !== undefined) throw pack.failure;
        await new Promise<void>((resolve, reject) => {
          pack.awaitingSync.push({ resolve, reject });
          pump(pack);
        });
        closeIfDone(pack);
        return;
      }
      // Closed here (its last datasync may predate records acknowledged unsynced) or another process's pack.
      await pack?.closed;
      const handle = await open(join(dir, `${packId}.pack`), 'r');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
    },
    isOpen(packId) {
      return openPacks.has(packId);
    },
    async close() {
      for (const pack of [...openPacks.values()]) seal(pack);
      // Unsettled records settle (or fail) on their own; wait for the handles to close.
      const deadline = Date.now() + 10_000;
      while (openPacks.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      for (const pack of openPacks.values()) await pack.handle.close().catch(() => {});
      openPacks.clear();
    },
  };
}
