import { open } from 'node:fs/promises';
import { deadPackMagic, isDeadPackName, packHeaderBytes, packMagic } from './createPackWriter.js';

/** One record of a pack: the name it was put under and where its data lies. */
export type PackRecord = { name: string; offset: number; length: number };

const namePattern = /^[a-z]+\/0x[0-9a-f]{64}\/[0-9a-f-]{36}$/;
const maxNameBytes = 128;

/**
 * The records of a pack file from its start up to its end or the first header that does not read as one (a
 * record torn by a crash or a failed write: nothing from there on was ever acknowledged, see createPackWriter).
 * Dead records (uploads that failed after their header was written) are stepped over and not listed.
 *
 * @example
 * const records = await readPackRecords('/var/lib/verinet-relay/packs/1764470000000-0a1b2c3d.pack');
 */
export async function readPackRecords(path: string): Promise<PackRecord[]> {
  return (await scanPack(path)).records;
}

/** A pack as a scan sees it: its live records, its dead ones, and where the last record read ends. */
export type PackLayout = { records: PackRecord[]; dead: PackRecord[]; end: number };

/**
 * The live and the dead records of a pack file, from its start up to its end or the first header that does not
 * read as one (see {@link readPackRecords}).
 *
 * @example
 * const { records, dead } = await scanPack('/var/lib/verinet-relay/packs/1764470000000-0a1b2c3d.pack');
 */
export async function scanPack(path: string): Promise<PackLayout> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(packHeaderBytes + maxNameBytes);
    const records: PackRecord[] = [];
    const dead: PackRecord[] = [];
    let at = 0;
    while (at + packHeaderBytes <= size) {
      const { bytesRead } = await handle.read(head, 0, head.length, at);
      const magic = bytesRead < packHeaderBytes ? 0 : head.readUInt32BE(0);
      if (magic !== packMagic && magic !== deadPackMagic) break;
      const nameBytes = head.readUInt32BE(4);
      const length = head.readUInt32BE(8);
      if (nameBytes > maxNameBytes || packHeaderBytes + nameBytes > bytesRead) break;
      const name = head.toString('utf8', packHeaderBytes, packHeaderBytes + nameBytes);
      const offset = at + packHeaderBytes + nameBytes;
      if (!namePattern.test(name) || offset + length > size) break;
      // A dead record (its upload failed) is stepped over; a live one whose data a crash cut short (its upload
      // never acknowledged) is listed like any other record: no row names it, retention removes it as an orphan.
      (magic === packMagic && !isDeadPackName(name) ? records : dead).push({ name, offset, length });
      at = offset + length;
    }
    return { records, dead, end: at };
  } finally {
    await handle.close();
  }
}
