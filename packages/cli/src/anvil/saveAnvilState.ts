import { createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BaseError } from '@verinet/protocol';

/** anvil could not be asked for its state, or the file could not be written (the previous file is kept). */
export class AnvilStateSaveError extends BaseError {
  override name = 'AnvilStateSaveError' as const;
}

/** The longest JSON-RPC text before `"result":"0x` or the whole of an error answer. */
const maxHeadBytes = 64 * 1024;

/**
 * The hex string of a JSON-RPC answer `{"jsonrpc":"2.0","id":1,"result":"0x…"}` as bytes, streamed: anvil's state
 * of a long chain is hundreds of MB, more than one JavaScript string may hold.
 */
class RpcHexResult extends Transform {
  private head = '';
  private inResult = false;
  private done = false;
  private odd = '';

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let text = chunk.toString('latin1');
    if (!this.inResult) {
      this.head += text;
      const start = /"result"\s*:\s*"0x/.exec(this.head);
      if (!start) {
        if (this.head.length > maxHeadBytes)
          callback(new AnvilStateSaveError('anvil_dumpState answered without a result.'));
        else callback();
        return;
      }
      this.inResult = true;
      text = this.head.slice(start.index + start[0].length);
      this.head = '';
    }
    if (this.done) {
      callback();
      return;
    }
    const end = text.indexOf('"');
    let hex = this.odd + (end === -1 ? text : text.slice(0, end));
    if (end !== -1) this.done = true;
    this.odd = hex.length % 2 === 1 ? hex.slice(-1) : '';
    if (this.odd) hex = hex.slice(0, -1);
    if (/[^0-9a-fA-F]/.test(hex)) {
      callback(new AnvilStateSaveError('anvil_dumpState answered with a result that is not hex.'));
      return;
    }
    callback(null, Buffer.from(hex, 'hex'));
  }

  override _flush(callback: TransformCallback): void {
    if (!this.inResult) {
      const error = /"message"\s*:\s*"([^"]*)"/.exec(this.head)?.[1];
      callback(
        new AnvilStateSaveError(
          error ? `anvil_dumpState failed: ${error}.` : 'anvil_dumpState answered without a result.',
        ),
      );
      return;
    }
    if (!this.done || this.odd)
      callback(new AnvilStateSaveError('anvil_dumpState answer ended in the middle of its result.'));
    else callback();
  }
}

async function syncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Saves a running anvil's chain (its state, blocks and transactions: `anvil_dumpState`, the same JSON anvil's own
 * `--dump-state` writes, so `--load-state` reads it back) to `file` atomically: a temporary file beside it, synced,
 * then renamed over it and the folder synced. A kill at any moment leaves the previous file or the new one whole;
 * anvil's own dump rewrites the file in place (a kill during a dump of a long chain, seconds, tore it). The answer is
 * streamed to disk (hex → gunzip → file), so memory stays flat whatever the chain's size.
 *
 * @returns the file's size in bytes and the save's duration in ms.
 * @throws AnvilStateSaveError when anvil does not answer in `timeoutMs` or answers an error, or the file cannot be
 *   written; `file` is then unchanged.
 */
export async function saveAnvilState(
  rpcUrl: string,
  file: string,
  options: { timeoutMs?: number | undefined } = {},
): Promise<{ bytes: number; ms: number }> {
  const started = performance.now();
  const temporary = `${file}.saving`;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_dumpState', params: [] });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const outgoing = request(
        rpcUrl,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          signal: abort.signal,
        },
        resolve,
      );
      outgoing.once('error', reject);
      outgoing.end(body);
    });
    if (response.statusCode !== 200) {
      response.resume();
      throw new AnvilStateSaveError(`anvil_dumpState answered HTTP ${response.statusCode}.`);
    }
    await pipeline(response, new RpcHexResult(), createGunzip(), createWriteStream(temporary), {
      signal: abort.signal,
    });
    await syncPath(temporary, 'r+');
    await rename(temporary, file);
    await syncPath(dirname(file), 'r');
    return { bytes: (await stat(file)).size, ms: performance.now() - started };
  } catch (cause) {
    await rm(temporary, { force: true });
    if (cause instanceof AnvilStateSaveError) throw cause;
    const reason = abort.signal.aborted
      ? `anvil did not hand over its state within ${timeoutMs} ms`
      : cause instanceof Error
        ? cause.message
        : String(cause);
    throw new AnvilStateSaveError(`The chain state could not be saved to ${file}: ${reason}.`, { cause });
  } finally {
    clearTimeout(timer);
  }
}
