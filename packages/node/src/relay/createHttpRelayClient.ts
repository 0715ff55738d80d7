import { readFile } from 'node:fs/promises';
import { type HttpExchange, type HttpExchangeReply, poolExchange } from '@verinet/protocol/http';
import {
  getRelayDomain,
  getResultHash,
  type RelayRequestSigner,
  signRelayRequest,
} from '@verinet/protocol/relay';
import { type Address, type Hex, hexToBytes } from 'viem';
import { z } from 'zod';
import { RelayError } from '../errors/index.js';
import type { RelayClient, ResultStatement, ResultUpload, TaskArgsDownload } from './types.js';

export type CreateHttpRelayClientParameters = {
  /** Base URL of the relay, e.g. http://127.0.0.1:8600 */
  url: string;
  signer: RelayRequestSigner;
  chainId: number;
  taskManager: Address;
  /** Per-request timeout, the answer's body included (default 30 s). */
  timeoutMs?: number | undefined;
  /** How requests are sent (default poolExchange: the process's keep-alive connection pools, not fetch). */
  exchange?: HttpExchange | undefined;
};

/** Commit refusals after which the staged files must be uploaded again (docs/relay-api.md, "Errors"). */
const restageCodes = new Set(['RESULT_FILE_LOST', 'RESULT_FILES_CHANGED']);

/** Relay error codes after which asking again may help (docs/relay-api.md, "Errors": Retry = yes). */
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
  'RESULT_FILES_CHANGED',
  'RESULT_FILE_LOST',
  'BUSY',
]);

const hexPattern = (bytes: number) => new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`);
const commitReplySchema = z.object({
  statement: z.object({
    type: z.literal('ResultAvailable'),
    signer: z.string().regex(hexPattern(20)),
    taskKey: z.string().regex(hexPattern(32)),
    resultHash: z.string().regex(hexPattern(32)),
    signature: z.string().regex(hexPattern(65)),
  }),
});

/**
 * The `ResultAvailable` statement of a commit reply, checked: it names this task and this score (whether its
 * signature recovers to the chain's relay signer is the daemon's check, which reads the chain).
 */
async function readStatement(body: unknown, upload: ResultUpload): Promise<ResultStatement> {
  const parsed = commitReplySchema.safeParse(body);
  const refuse = (why: string) =>
    new RelayError(`relay answered the result commit without a usable ResultAvailable statement: ${why}`, {
      retryable: true,
    });
  if (!parsed.success) throw refuse(parsed.error.issues[0]?.message ?? 'malformed');
  const statement = parsed.data.statement as ResultStatement;
  if (statement.taskKey.toLowerCase() !== upload.taskKey.toLowerCase())
    throw refuse(`it names task ${statement.taskKey}`);
  const resultHash = getResultHash(hexToBytes(upload.score));
  if (statement.resultHash.toLowerCase() !== resultHash) throw refuse('it names another score');
  return statement;
}

/**
 * The relay's refusal as a RelayError. Its body is `{ error: { code, message, retryAfter? } }`
 * (docs/relay-api.md); anything else (a proxy's HTML page, say) keeps the HTTP status as its code.
 */
function toRelayError(response: HttpExchangeReply, what: string): RelayError {
  let code = `HTTP_${response.status}`;
  let message = response.statusText;
  let retryAfterSec = Number(response.header('retry-after') ?? Number.NaN);
  try {
    const body = JSON.parse(Buffer.from(response.body).toString()) as {
      error?: { code?: unknown; message?: unknown; retryAfter?: unknown };
    };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
    if (typeof body.error?.retryAfter === 'number') retryAfterSec = body.error.retryAfter;
  } catch {
    // not JSON: the status says enough
  }
  const known = !code.startsWith('HTTP_');
  return new RelayError(`relay refused ${what}: ${code}: ${message}`, {
    code,
    // A code this client does not know yet is retryable when the relay says so (a Retry-After: docs/relay-api.md
    // "Errors"), so a newer relay's retryable refusal never makes the node abandon a task.
    retryable: known
      ? retryableCodes.has(code) || Number.isFinite(retryAfterSec)
      : response.status >= 500 || response.status === 429,
    retryAfterMs: Number.isFinite(retryAfterSec) && retryAfterSec > 0 ? retryAfterSec * 1000 : undefined,
  });
}

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
  /** Per task key: the files (name and sha256) the relay acknowledged and no commit has used or refused yet. */
  const stagedFiles = new Map<string, Set<string>>();
  const maxStagedTasks = 256;
  const base = parameters.url.replace(/\/+$/, '');
  const domain = getRelayDomain({ chainId: parameters.chainId, taskManager: parameters.taskManager });
  const exchange = parameters.exchange ?? poolExchange;
  const timeoutMs = parameters.timeoutMs ?? 30_000;

  const request = async (
    method: string,
    path: string,
    body?: { bytes: Uint8Array; contentType: string; sha256?: Hex },
  ): Promise<HttpExchangeReply> => {
    const headers: Record<string, string> = await signRelayRequest({
      signer: parameters.signer,
      domain,
      method,
      path,
      body: body?.sha256 ? undefined : body?.bytes,
      bodyHash: body?.sha256,
    });
    if (body) headers['content-type'] = body.contentType;
    let response: HttpExchangeReply;
    try {
      response = await exchange({ url: `${base}${path}`, method, headers, body: body?.bytes, timeoutMs });
    } catch (cause) {
      const reason =
        (cause as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (cause as Error).message;
      throw new RelayError(`relay ${base} unreachable (${reason})`, { retryable: true, cause });
    }
    if (response.status < 200 || response.status > 299) throw toRelayError(response, `${method} ${path}`);
    return response;
  };

  return {
    async fetchTaskArgs(taskKey: Hex): Promise<TaskArgsDownload> {
      const response = await request('GET', `/v1/tasks/${taskKey.toLowerCase()}/args`);
      const salt = response.header('x-verinet-salt');
      if (!salt || !/^0x[0-9a-fA-F]{64}$/.test(salt)) {
        throw new RelayError('relay sent the arguments without a valid x-verinet-salt header', {
          retryable: true,
        });
      }
      return { bytes: response.body, salt: salt as Hex };
    },
    async uploadResult(upload: ResultUpload): Promise<ResultStatement> {
      const key = upload.taskKey.toLowerCase();
      // A retry after a refused commit (BUSY, CHAIN_UNAVAILABLE, no answer) sends the commit alone: the relay
      // still holds the files this client staged. Only a refusal saying the staged files are gone or differ
      // sends them again (review s9 finding 1: a busy relay got every file again every ~2 s).
      const staged = stagedFiles.get(key) ?? new Set<string>();
      stagedFiles.delete(key);
      stagedFiles.set(key, staged);
      // Tasks given up on leave their entry; the oldest go first (a forgotten entry only costs a re-upload).
      for (const oldest of stagedFiles.keys()) {
        if (stagedFiles.size <= maxStagedTasks) break;
        stagedFiles.delete(oldest);
      }
      for (const file of upload.files) {
        const id = `${file.name}\0${file.sha256}`;
        if (staged.has(id)) continue;
        const bytes = await readFile(file.path);
        await request('PUT', `/v1/tasks/${key}/result/files/${encodeURIComponent(file.name)}`, {
          bytes,
          contentType: 'application/octet-stream',
          sha256: `0x${file.sha256}` as Hex,
        });
        staged.add(id);
      }
      const body = new TextEncoder().encode(JSON.stringify({ score: upload.score }));
      let response: HttpExchangeReply;
      try {
        response = await request('POST', `/v1/tasks/${key}/result/commit`, {
          bytes: body,
          contentType: 'application/json',
        });
      } catch (error) {
        if (!(error instanceof RelayError && error.retryable) || restageCodes.has(error.code ?? '')) {
          stagedFiles.delete(key);
        }
        throw error;
      }
      stagedFiles.delete(key);
      let reply: unknown;
      try {
        reply = JSON.parse(Buffer.from(response.body).toString());
      } catch {
        // not JSON: readStatement says the statement is missing
      }
      return readStatement(reply, upload);
    },
  };
}
