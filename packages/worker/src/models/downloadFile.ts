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
 * @example
 * await downloadFile({ url: 'https://models.example/gpt2/onnx/model.onnx', dest, sha256 });
 */
export async function downloadFile(parameters: DownloadFileParameters): Promise<void> {
  const { url, dest, sha256, size, idleTimeoutMs = 30_000 } = parameters;
  const partial = `${dest}.partial`;
  await mkdir(dirname(dest), { recursive: true });

  let offset = await stat(partial).then(
    (s) => s.size,
    () => 0,
  );
  if (size !== undefined && offset > size) {
    await unlink(partial);
    offset = 0;
  }

  // Retry at most once from zero when the server refuses or ignores our range.
  for (let attempt = 0; attempt < 2; attempt++) {
    const hash = createHash('sha256');
    if (offset > 0) await hashExisting(partial, hash);
    const controller = new AbortController();
    const onAbort = () => controller.abort(parameters.signal?.reason);
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
    let received = offset;
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
        throw new DownloadInterruptedError(url, received, error);
      }
      if (response.status === 416 && offset > 0) {
        // The partial already holds every byte (or the server disagrees): verify what we have.
        await response.body?.cancel();
        if (await finish(hash, sha256, partial, dest, url, size === undefined || size === offset)) return;
        offset = 0;
        continue;
      }
      if (response.status !== 200 && response.status !== 206) {
        await response.body?.cancel();
        throw new DownloadHttpError(url, response.status);
      }
      const resumed = response.status === 206 && rangeStart(response.headers.get('content-range')) === offset;
      if (offset > 0 && !resumed) {
        // The server sent the whole file (or another range): start over.
        if (response.status !== 200) await response.body?.cancel();
        await unlink(partial).catch(() => {});
        offset = 0;
        received = 0;
        if (response.status === 200) {
          // Rather than fetch again, take the full body we were given.
          const restarted = createHash('sha256');
          await writeBody(response, partial, 'w', restarted, arm, (n) => {
            received += n;
            parameters.onProgress?.(received, size);
          });
          if (await finish(restarted, sha256, partial, dest, url, true)) return;
        }
        continue;
      }
      const total = size ?? contentTotal(response, offset);
      try {
        await writeBody(response, partial, offset > 0 ? 'a' : 'w', hash, arm, (n) => {
          received += n;
          parameters.onProgress?.(received, total);
        });
      } catch (error) {
        if (timedOut) throw new DownloadTimeoutError(url, idleTimeoutMs);
        if (parameters.signal?.aborted) throw error;
        throw new DownloadInterruptedError(url, received, error);
      }
      await finish(hash, sha256, partial, dest, url, true);
      return;
    } finally {
      clearTimeout(timer);
      parameters.signal?.removeEventListener('abort', onAbort);
    }
  }
  throw new DownloadHttpError(url, 416);
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

/**
 * Checks the hash; renames the partial into place on a match. On a mismatch the partial is deleted and,
 * when `final`, a DownloadChecksumError is thrown (otherwise false lets the caller retry from zero).
 */
async function finish(
  hash: Hash,
  expected: string,
  partial: string,
  dest: string,
  url: string,
  final: boolean,
): Promise<boolean> {
  const actual = hash.digest('hex');
  if (actual === expected) {
    await rename(partial, dest);
    return true;
  }
  await unlink(partial).catch(() => {});
  if (final) throw new DownloadChecksumError(url, expected, actual);
  return false;
}

function rangeStart(contentRange: string | null): number | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(contentRange ?? '');
  return match ? Number(match[1]) : undefined;
}

function contentTotal(response: Response, offset: number): number | undefined {
  const length = response.headers.get('content-length');
  return length === null ? undefined : offset + Number(length);
}
