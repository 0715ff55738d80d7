import {
  fetchExchange,
  type HttpExchange,
  type HttpExchangeReply,
} from '@verinet/protocol/http/fetchExchange';
import { getRelayDomain, type RelayRequestSigner, signRelayRequest } from '@verinet/protocol/relay';
import type { Address, Hex } from 'viem';
import { RelayRequestError } from '../errors/index.js';

/** Relay error codes that a later attempt may get past (docs/relay-api.md, "Errors", Retry column). */
const retryableCodes = new Set([
  'RATE_LIMITED',
  'TASK_UNKNOWN',
  'TASK_NOT_STARTED',
  'ARGS_NOT_UPLOADED',
  'RESULT_NOT_AVAILABLE',
  'RESULT_NOT_RELEASED',
  'CHAIN_UNAVAILABLE',
  'NOT_READY',
  'INTERNAL',
]);

export type ArgsStatement = { expiry: bigint; signature: Hex; signer: Address };
export type ResultManifest = {
  taskKey: Hex;
  score: Hex;
  files: { name: string; size: number; sha256: Hex }[];
};

export type RelayClient = {
  url: string;
  /** PUT /v1/args/{argsCommitment}: stores the canonical bytes and returns the ArgsAvailable statement. */
  uploadArgs(parameters: {
    argsCommitment: Hex;
    salt: Hex;
    taskType: string;
    bytes: Uint8Array;
  }): Promise<ArgsStatement>;
  /** GET /v1/tasks/{taskKey}/result: the manifest, once the chain shows the task validated. */
  getResult(taskKey: Hex): Promise<ResultManifest>;
  /** GET /v1/tasks/{taskKey}/result/files/{name}. */
  getResultFile(taskKey: Hex, name: string): Promise<Uint8Array>;
};

export type CreateRelayClientParameters = {
  url: string;
  signer: RelayRequestSigner;
  chainId: number;
  taskManager: Address;
  /** Per-request timeout, the answer's body included (default 30 s). */
  timeoutMs?: number | undefined;
  /** How requests are sent (default fetchExchange; Node.js apps: nodeHttp's exchange from '@verinet/sdk/node'). */
  exchange?: HttpExchange | undefined;
};

/**
 * The relay's HTTP API as an application uses it; every request is signed (EIP-712 RelayRequest) by the app's
 * account. Browser-safe (fetch by default, Web Crypto). Errors are RelayRequestError with the relay's stable code.
 *
 * @example
 * const relay = createRelayClient({ url, signer: account, chainId, taskManager });
 */
export function createRelayClient(parameters: CreateRelayClientParameters): RelayClient {
  const base = parameters.url.replace(/\/+$/, '');
  const domain = getRelayDomain({ chainId: parameters.chainId, taskManager: parameters.taskManager });
  const timeoutMs = parameters.timeoutMs ?? 30_000;
  const exchange = parameters.exchange ?? fetchExchange;

  const request = async (method: string, path: string, body?: Uint8Array): Promise<HttpExchangeReply> => {
    const headers: Record<string, string> = await signRelayRequest({
      signer: parameters.signer,
      domain,
      method,
      path,
      body,
    });
    if (body) headers['content-type'] = 'application/octet-stream';
    let response: HttpExchangeReply;
    try {
      response = await exchange({ url: `${base}${path}`, method, headers, body, timeoutMs });
    } catch (cause) {
      const reason =
        (cause as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (cause as Error).message;
      throw new RelayRequestError({
        code: 'UNREACHABLE',
        status: 0,
        message: `cannot reach ${base} (${reason})`,
        retryable: true,
        method,
        path,
        cause,
      });
    }
    if (response.status >= 200 && response.status <= 299) return response;
    let code = `HTTP_${response.status}`;
    let message = response.statusText;
    try {
      const json = JSON.parse(new TextDecoder().decode(response.body)) as {
        error?: { code?: string; message?: string };
      };
      code = json.error?.code ?? code;
      message = json.error?.message ?? message;
    } catch {
      // Not the relay's JSON error body (a proxy page): keep the status line.
    }
    throw new RelayRequestError({
      code,
      status: response.status,
      message,
      retryable: retryableCodes.has(code) || response.status >= 500 || response.status === 429,
      method,
      path,
    });
  };

  const json = async <T>(response: HttpExchangeReply, method: string, path: string): Promise<T> => {
    try {
      return JSON.parse(new TextDecoder().decode(response.body)) as T;
    } catch (cause) {
      throw new RelayRequestError({
        code: 'MALFORMED_RESPONSE',
        status: response.status,
        message: 'the relay answered with something that is not JSON',
        retryable: true,
        method,
        path,
        cause,
      });
    }
  };

  return {
    url: base,
    async uploadArgs({ argsCommitment, salt, taskType, bytes }) {
      const path = `/v1/args/${argsCommitment.toLowerCase()}?salt=${salt.toLowerCase()}&taskType=${taskType}`;
      const response = await request('PUT', path, bytes);
      const body = await json<{ statement?: { expiry?: number; signature?: string; signer?: string } }>(
        response,
        'PUT',
        path,
      );
      const statement = body.statement;
      if (
        !statement ||
        typeof statement.expiry !== 'number' ||
        !/^0x[0-9a-fA-F]{130}$/.test(statement.signature ?? '')
      ) {
        throw new RelayRequestError({
          code: 'MALFORMED_RESPONSE',
          status: response.status,
          message: 'the argument upload was answered without a valid ArgsAvailable statement',
          retryable: true,
          method: 'PUT',
          path,
        });
      }
      return {
        expiry: BigInt(statement.expiry),
        signature: statement.signature as Hex,
        signer: statement.signer as Address,
      };
    },
    async getResult(taskKey) {
      const path = `/v1/tasks/${taskKey.toLowerCase()}/result`;
      return json<ResultManifest>(await request('GET', path), 'GET', path);
    },
    async getResultFile(taskKey, name) {
      const path = `/v1/tasks/${taskKey.toLowerCase()}/result/files/${encodeURIComponent(name)}`;
      return (await request('GET', path)).body;
    },
  };
}
