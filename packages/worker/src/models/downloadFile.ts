import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DownloadChecksumError,
  DownloadHttpError,
  DownloadInterruptedError,
  DownloadTimeoutError,
} from './errors.js';

export type DownloadFileParameters = {
  url: string;
  /** Final path; bytes go to `<dest>.partial` first and are renamed once verified. */
  dest: string;
  /** Expected sha256 (hex). */
  sha256: string;
  /** Expected size in bytes, when known (lets a stale oversize partial be discarded early). */
  size?: number | undefined;
  /** Abort when no byte arrives for this long. Default 30 s. */
  idleTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((received: number, total: number | undefined) => void) | undefined;
};

/**
 * Downloads one file with HTTP Range resume and sha256 verification; atomic (a `.partial` file renamed into
 * place only when its hash matches). A timeout or a broken connection keeps the partial for the next call.
 *
 * A partial file is only a guess that the server still has the same file. When resuming does not give the
 * expected bytes — the partial was left by an older version of the file (resumed bytes fail the checksum),
 * the server ignores Range (200), answers with another range or total length than expected, or refuses the
 * range (416) while the partial does not verify — the partial is deleted and the same call downloads the
 * file again from byte 0. Only a download from byte 0 that fails the checksum is a DownloadChecksumError.
 *
 * @example
 * await downloadFile({ url: 'https://models.example/gpt2/onnx/model.onnx', dest, sha256 });
 */
export async function downloadFile(parameters: DownloadFileParameters): Promise<void> {
  const { dest, size } = parameters;
  const partial = `${dest}.partial`;
  await mkdir(dirname(dest), { recursive: true });

  const offset = await stat(partial).then(
    (s) => s.size,
    () => 0,
  );
  if (offset > 0 && (size === undefined || offset <= size)) {
    if ((await attempt(parameters, partial, offset)) === 'done') return;
  }
  await unlink(partial).catch(() => {});
  if ((await attempt(parameters, partial, 0)) === 'done') return;
  // A download from byte 0 always ends in 'done' or throws; reaching here is a server answering a plain
  // GET with a range that does not start at 0.
  throw new DownloadHttpError(parameters.url, 206);
}

/**
 * One request: resumes at `offset` (> 0) or downloads from 0. Returns 'restart' when the partial turned out
 * not to be a prefix of the file the server has now (the caller deletes it and starts from 0).
 */
async function attempt(
  parameters: DownloadFileParameters,
  partial: string,
  offset: number,
): Promise<'done' | 'restart'> {
  const { url, dest, sha256, size, idleTimeoutMs = 30_000 } = parameters;
  const hash = createHash('sha256');
  if (offset > 0) await hashExisting(partial, hash);
  const controller = new AbortController();
  const onAbort = () => controller.abort(parameters.signal?.reason);
  parameters.signal?.throwIfAborted();
  parameters.signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, idleTimeoutMs);
  };
  try {
    arm();
    let response: Response;
    try {
      response = await fetch(url, {
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        signal: controller.signal,
      });
    } catch (error) {
      if (timedOut) throw new DownloadTimeoutError(url, idleTimeoutMs);
      if (parameters.signal?.aborted) throw error;
      throw new DownloadInterruptedError(url, offset, error);
    }
    const range = parseContentRange(response.headers.get('content-range'));
    if (response.status === 416 && offset > 0) {
      // Our range starts at or past the end of the server's file: the partial is complete, or stale.
      await response.body?.cancel();
      const complete = (size === undefined || size === offset) && (range?.total ?? offset) === offset;
      if (complete && hash.copy().digest('hex') === sha256) {
        await rename(partial, dest);
        return 'done';
      }
      return 'restart';
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new DownloadHttpError(url, response.status);
    }
    let flags: 'a' | 'w' = 'a';
    let received = offset;
    let fileHash = hash;
    if (response.status === 200) {
      // The server ignored the range (or none was asked): this body is the whole file.
      flags = 'w';
      received = 0;
      fileHash = createHash('sha256');
    } else {
      const expectedTotal = size ?? range?.total;
      const consistent =
        range !== undefined &&
        range.start === offset &&
        (expectedTotal === undefined || range.total === undefined || range.total === expectedTotal);
      if (!consistent) {
        // Another range, or the file changed length since the partial was written.
        await response.body?.cancel();
        if (offset > 0) return 'restart';
        throw new DownloadHttpError(url, response.status);
      }
    }
    const total = size ?? contentTotal(response, flags === 'a' ? offset : 0);
    try {
      await writeBody(response, partial, flags, fileHash, arm, (n) => {
        received += n;
        parameters.onProgress?.(received, total);
      });
    } catch (error) {
      if (timedOut) throw new DownloadTimeoutError(url, idleTimeoutMs);
      if (parameters.signal?.aborted) throw error;
      throw new DownloadInterruptedError(url, received, error);
    }
    const actual = fileHash.digest('hex');
    if (actual === sha256) {
      await rename(partial, dest);
      return 'done';
    }
    // Resumed bytes on top of a stale partial: worth one download from zero. A whole file that does not
    // match is the server's (or the manifest's) fault.
    if (flags === 'a' && offset > 0) return 'restart';
    await unlink(partial).catch(() => {});
    throw new DownloadChecksumError(url, sha256, actual);
  } finally {
    clearTimeout(timer);
    parameters.signal?.removeEventListener('abort', onAbort);
  }
}

async function hashExisting(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

async function writeBody(
  response: Response,
  path: string,
  flags: 'a' | 'w',
  hash: Hash,
  onChunk: () => void,
  onBytes: (n: number) => void,
): Promise<void> {
  const file = await open(path, flags);
  try {
    if (!response.body) return;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      onChunk();
      hash.update(chunk);
      await file.write(chunk);
      onBytes(chunk.length);
    }
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Content-Range `bytes START-END/TOTAL`, or `bytes` star-slash-TOTAL in a 416 answer; TOTAL may be a star. */
function parseContentRange(value: string | null): { start?: number; total?: number } | undefined {
  const match = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(value ?? '');
  if (!match) return undefined;
  return {
    ...(match[1] !== undefined ? { start: Number(match[1]) } : {}),
    ...(match[2] !== '*' ? { total: Number(match[2]) } : {}),
  };
}

function contentTotal(response: Response, offset: number): number | undefined {
  const length = response.headers.get('content-length');
  return length === null ? undefined : offset + Number(length);
}
