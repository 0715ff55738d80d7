import { WorkerProtocolError } from './errors.js';
import { maxLineBytes } from './messages.js';

export type LineSplitter = {
  /** Feeds a chunk; calls `onLine` for each complete line (without the newline, empty lines skipped). */
  push(chunk: Buffer): void;
  /** Bytes of an unfinished line still buffered. */
  pending(): number;
};

/**
 * Splits a byte stream into UTF-8 lines. Lines are cut on bytes, not on string chunks, so a multi-byte
 * character split across chunks decodes correctly. A line over `limit` bytes calls `onError` once and the
 * rest of that line is dropped.
 */
export function createLineSplitter(
  onLine: (line: string) => void,
  onError: (error: WorkerProtocolError) => void,
  limit: number = maxLineBytes,
): LineSplitter {
  let parts: Buffer[] = [];
  let size = 0;
  let overflowed = false;
  return {
    push(chunk) {
      let start = 0;
      while (start < chunk.length) {
        const nl = chunk.indexOf(0x0a, start);
        const end = nl === -1 ? chunk.length : nl;
        if (!overflowed) {
          parts.push(chunk.subarray(start, end));
          size += end - start;
          if (size > limit) {
            overflowed = true;
            const head = Buffer.concat(parts).subarray(0, 200).toString('utf8');
            parts = [];
            size = 0;
            onError(new WorkerProtocolError(`line longer than ${limit} bytes`, head));
          }
        }
        if (nl === -1) break;
        if (!overflowed) {
          const line = Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
          if (line.trim().length > 0) onLine(line);
        }
        parts = [];
        size = 0;
        overflowed = false;
        start = nl + 1;
      }
    },
    pending() {
      return size;
    },
  };
}
