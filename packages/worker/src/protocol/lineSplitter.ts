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
  const emit = (raw: string) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length > 0) onLine(line);
  };
  return {
    push(chunk) {
      let start = 0;
      while (start < chunk.length) {
        const nl = chunk.indexOf(0x0a, start);
        const end = nl === -1 ? chunk.length : nl;
        if (nl !== -1 && parts.length === 0 && !overflowed) {
          // The common case, a whole line inside one chunk: decode it in place, without a copy.
          if (end - start <= limit) emit(chunk.toString('utf8', start, end));
          else onError(new WorkerProtocolError(`line longer than ${limit} bytes`, head(chunk, start)));
          start = nl + 1;
          continue;
        }
        if (!overflowed) {
          parts.push(chunk.subarray(start, end));
          size += end - start;
          if (size > limit) {
            overflowed = true;
            const excerpt = head(Buffer.concat(parts), 0);
            parts = [];
            size = 0;
            onError(new WorkerProtocolError(`line longer than ${limit} bytes`, excerpt));
          }
        }
        if (nl === -1) break;
        if (!overflowed) emit(Buffer.concat(parts).toString('utf8'));
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

/** The first 200 bytes of a too-long line from `start`, for the error message. */
function head(bytes: Buffer, start: number): string {
  return bytes.toString('utf8', start, Math.min(bytes.length, start + 200));
}
