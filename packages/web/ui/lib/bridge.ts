// The bridge's HTTP API as the UI uses it (docs/bridge.md): the native task API for images with live protocol
// progress, the OpenAI chat API for streaming chat. Every error becomes a BridgeError with the bridge's message.
import { getApiKey } from './settings.js';

export type Step = { at: number; txHash?: string; blockNumber?: number } | null;
export type Job = {
  id: string;
  type: 'sd' | 'llm';
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  createdAt: number;
  updatedAt: number;
  args: Record<string, unknown>;
  error: { code: string; message: string } | null;
  fee: string;
  steps: {
    created: Step;
    node: Step;
    scored: Step;
    sampled: (Step & { value?: boolean }) | null;
    validated: Step;
    paid: Step;
  };
  tasks: { taskKey: string; node: string | null; state: string; txs?: Record<string, string> }[];
  timings: { totalMs: number; executionMs: number; protocolMs: number } | null;
  files: string[];
};
export type Model = { id: string; type: 'sd' | 'llm' };
export type UiConfig = {
  explorerUrl: string | null;
  chainId?: number;
  rpcUrl?: string;
  relayUrl?: string;
  deployment?: { taskManager: string; nodeRegistry: string; startBlock?: number };
  /** Models offered in DApp mode (there is no bridge to list them). */
  models?: Model[];
};

export class BridgeError extends Error {
  override name = 'BridgeError';
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = getApiKey();
  return { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra };
}

async function fail(response: Response): Promise<never> {
  let message = `${response.status} ${response.statusText}`;
  let code: string | undefined;
  try {
    const body = (await response.json()) as { error?: { message?: string; code?: string } };
    if (body.error?.message) message = body.error.message;
    code = body.error?.code;
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401) message = `${message} (set your API key in Settings)`;
  throw new BridgeError(message, response.status, code);
}

export async function requestJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, {
    ...init,
    headers: headers(init.body ? { 'content-type': 'application/json' } : {}),
  });
  if (!response.ok) await fail(response);
  return (await response.json()) as T;
}

export async function getUiConfig(): Promise<UiConfig | null> {
  try {
    const response = await fetch('./ui-config.json');
    if (!response.ok) return null;
    return (await response.json()) as UiConfig;
  } catch {
    return null;
  }
}

export async function listModels(): Promise<Model[]> {
  return (await requestJson<{ data: Model[] }>('/api/models')).data;
}

export async function createJob(type: 'sd' | 'llm', args: unknown, idempotencyKey: string): Promise<Job> {
  return requestJson<Job>('/api/tasks', {
    method: 'POST',
    body: JSON.stringify({ type, args, idempotencyKey }),
  });
}

export async function listJobs(limit = 20): Promise<Job[]> {
  return (await requestJson<{ data: Job[] }>(`/api/tasks?limit=${limit}`)).data;
}

/** A file of a finished job as an object URL (the bridge wants the API key, so an <img src> cannot fetch it). */
export async function getJobFileUrl(id: string, name: string): Promise<string> {
  const response = await fetch(`/api/tasks/${encodeURIComponent(id)}/files/${encodeURIComponent(name)}`, {
    headers: headers(),
  });
  if (!response.ok) await fail(response);
  return URL.createObjectURL(await response.blob());
}

/** Reads a server-sent-event stream from a fetch response, calling `onEvent` for each event. */
export async function readSse(
  response: Response,
  onEvent: (event: string, data: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (!response.body) throw new BridgeError('the bridge sent no stream', response.status);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!signal?.aborted) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.search(/\r?\n\r?\n/);
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(event, data.join('\n'));
      end = buffer.search(/\r?\n\r?\n/);
    }
  }
  await reader.cancel().catch(() => {});
}

/** Follows a job's protocol progress (SSE) until it ends; falls back to polling when the stream breaks. */
export async function followJob(id: string, onJob: (job: Job) => void, signal?: AbortSignal): Promise<Job> {
  let last: Job | undefined;
  try {
    const response = await fetch(`/api/tasks/${encodeURIComponent(id)}/events`, {
      headers: headers(),
      signal,
    });
    if (!response.ok) await fail(response);
    await readSse(
      response,
      (event, data) => {
        if (event !== 'job') return;
        last = JSON.parse(data) as Job;
        onJob(last);
      },
      signal,
    );
  } catch (error) {
    if (signal?.aborted) throw error;
  }
  while (!last || (last.status !== 'succeeded' && last.status !== 'failed')) {
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    await new Promise((done) => setTimeout(done, 1000));
    last = await requestJson<Job>(`/api/tasks/${encodeURIComponent(id)}`);
    onJob(last);
  }
  return last;
}

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/**
 * Streams a chat completion (OpenAI `stream: true`), calling `onDelta` with each piece of text and `onJob`
 * with the job id the bridge announces in `x-verinet-job-id`.
 */
export async function streamChat(
  params: {
    model: string;
    messages: ChatMessage[];
    max_tokens?: number;
    temperature?: number;
    seed?: number;
  },
  onDelta: (text: string) => void,
  onJobId: (id: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json' }),
    body: JSON.stringify({ ...params, stream: true }),
    signal,
  });
  if (!response.ok) await fail(response);
  const jobId = response.headers.get('x-verinet-job-id');
  if (jobId) onJobId(jobId);
  await readSse(
    response,
    (_event, data) => {
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data) as {
        choices?: { delta?: { content?: string } }[];
        error?: { message: string };
      };
      if (chunk.error) throw new BridgeError(chunk.error.message, 200);
      const text = chunk.choices?.[0]?.delta?.content;
      if (text) onDelta(text);
    },
    signal,
  );
}
