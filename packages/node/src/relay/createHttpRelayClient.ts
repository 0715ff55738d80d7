import { readFile } from 'node:fs/promises';
import { getRelayDomain, type RelayRequestSigner, signRelayRequest } from '@verinet/protocol/relay';
import type { Address, Hex } from 'viem';
import { RelayError } from '../errors/index.js';
import type { RelayClient, ResultUpload, TaskArgsDownload } from './types.js';

export type CreateHttpRelayClientParameters = {
  /** Base URL of the relay, e.g. http://127.0.0.1:8600 */
  url: string;
  signer: RelayRequestSigner;
  chainId: number;
  taskManager: Address;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number | undefined;
  fetch?: typeof fetch | undefined;
};

/** Relay error codes after which asking again cannot help (docs/relay-api.md). */
const permanentCodes = new Set([
  'FORBIDDEN',
  'NOT_TASK_NODE',
  'RESULT_COMMITTED',
  'INVALID_REQUEST',
  'SCORE_MISMATCH',
]);

/**
 * The relay's HTTP API as the node uses it: download a task's arguments, upload result files and commit them
 * with the score. Every request is signed (EIP-712 RelayRequest) with the node's key; the relay checks on
 * chain that the signer is the task's node.
 *
 * @example
 * const relay = createHttpRelayClient({ url, signer: account, chainId, taskManager });
 * const { bytes, salt } = await relay.fetchTaskArgs(taskKey);
 */
export function createHttpRelayClient(parameters: CreateHttpRelayClientParameters): RelayClient {
  const base = parameters.url.replace(/\/+$/, '');
  const domain = getRelayDomain({ chainId: parameters.chainId, taskManager: parameters.taskManager });
  const doFetch = parameters.fetch ?? fetch;
  const timeoutMs = parameters.timeoutMs ?? 30_000;

  const request = async (
    method: string,
    path: string,
    body?: { bytes: Uint8Array; contentType: string; sha256?: Hex },
  ): Promise<Response> => {
    const headers: Record<string, string> = await signRelayRequest({
      signer: parameters.signer,
      domain,
      method,
      path,
      body: body?.sha256 ? undefined : body?.bytes,
      bodyHash: body?.sha256,
    });
    if (body) headers['content-type'] = body.contentType;
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers,
        body: body ? Buffer.from(body.bytes) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      const reason =
        (cause as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (cause as Error).message;
      throw new RelayError(`relay ${base} unreachable (${reason})`, { retryable: true, cause });
    }
    if (!response.ok) {
      let code = `HTTP_${response.status}`;
      let message = response.statusText;
      try {
        const json = (await response.json()) as { code?: string; message?: string };
        code = json.code ?? code;
        message = json.message ?? message;
      } catch {
        // not JSON
      }
      throw new RelayError(`relay refused ${method} ${path}: ${code}: ${message}`, {
        retryable: response.status >= 500 || response.status === 429 || !permanentCodes.has(code),
      });
    }
    return response;
  };

  return {
    async fetchTaskArgs(taskKey: Hex): Promise<TaskArgsDownload> {
      const response = await request('GET', `/v1/tasks/${taskKey.toLowerCase()}/args`);
      const salt = response.headers.get('x-verinet-salt');
      if (!salt || !/^0x[0-9a-fA-F]{64}$/.test(salt)) {
        throw new RelayError('relay sent the arguments without a valid x-verinet-salt header', {
          retryable: true,
        });
      }
      return { bytes: new Uint8Array(await response.arrayBuffer()), salt: salt as Hex };
    },
    async uploadResult(upload: ResultUpload): Promise<void> {
      const key = upload.taskKey.toLowerCase();
      for (const file of upload.files) {
        const bytes = await readFile(file.path);
        await request('PUT', `/v1/tasks/${key}/result/files/${encodeURIComponent(file.name)}`, {
          bytes,
          contentType: 'application/octet-stream',
          sha256: `0x${file.sha256}` as Hex,
        });
      }
      const body = new TextEncoder().encode(JSON.stringify({ score: upload.score }));
      await request('POST', `/v1/tasks/${key}/result/commit`, {
        bytes: body,
        contentType: 'application/json',
      });
    },
  };
}
