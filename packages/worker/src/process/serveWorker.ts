import type { Readable } from 'node:stream';
import type { Progress } from '../backend/types.js';
import { decodeParentMessage, encodeMessage } from '../protocol/codec.js';
import type { WorkerProtocolError } from '../protocol/errors.js';
import { createLineSplitter } from '../protocol/lineSplitter.js';
import {
  type HandshakeMessage,
  protocolVersion,
  type RunMessage,
  type WorkerMessage,
} from '../protocol/messages.js';
import type { TaskRunner } from './taskRunner.js';

export type ServeWorkerParameters = {
  input: Readable;
  /** Receives protocol lines only. */
  write: (line: string) => void;
  runner: TaskRunner;
  handshake: Omit<HandshakeMessage, 'type' | 'protocolVersion' | 'backends'>;
  /**
   * Least time between two `progress` messages of a task, and before the first one; 0 sends every report.
   * Default `defaultProgressIntervalMs`.
   */
  progressIntervalMs?: number | undefined;
};

/**
 * Every protocol line wakes the node process, and on a small machine that wake-up lands on the core the
 * task is computing on (measured: 0.1-0.25 ms per line on 2 vCPUs, i.e. 1-3 % of a 10 ms task per line).
 * Progress is informational, so a task reports it at most this often and a task shorter than this sends
 * none: the `result` is the only line a short task costs.
 */
export const defaultProgressIntervalMs = 250;

/**
 * Speaks the worker protocol on a line stream: sends the handshake, then runs one task at a time until
 * `shutdown` or the end of input (the parent is gone). Resolves once the runner is disposed.
 */
export async function serveWorker(parameters: ServeWorkerParameters): Promise<void> {
  const { input, write, runner } = parameters;
  const send = (message: WorkerMessage) => write(encodeMessage(message));
  let current: { requestId: string; controller: AbortController; done: Promise<void> } | undefined;
  let closing = false;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  const close = async () => {
    if (closing) return;
    closing = true;
    current?.controller.abort();
    await current?.done;
    await runner.dispose();
    resolveClosed();
  };

  const startRun = (message: RunMessage) => {
    if (current) {
      send({
        type: 'error',
        requestId: message.requestId,
        kind: 'protocol_error',
        message: `Worker busy with request ${current.requestId}; send one task at a time`,
      });
      return;
    }
    const controller = new AbortController();
    const { requestId } = message;
    const progress = throttleProgress((report) => {
      if (!controller.signal.aborted) send({ type: 'progress', requestId, ...report });
    }, parameters.progressIntervalMs ?? defaultProgressIntervalMs);
    const done = runner.run(message, controller.signal, progress.report).then((reply) => {
      // A held report is dropped, never sent after the reply: nothing for a request follows its reply.
      progress.stop();
      current = undefined;
      send(reply);
    });
    current = { requestId, controller, done };
  };

  const onLine = (line: string) => {
    let message: ReturnType<typeof decodeParentMessage>;
    try {
      message = decodeParentMessage(line);
    } catch (error) {
      send({ type: 'error', kind: 'protocol_error', message: (error as WorkerProtocolError).shortMessage });
      return;
    }
    if (closing) return;
    switch (message.type) {
      case 'run':
        startRun(message);
        break;
      case 'cancel':
        if (current?.requestId === message.requestId) current.controller.abort();
        break;
      case 'shutdown':
        void close();
        break;
    }
  };

  // Lines that arrive before the handshake is out wait for it, so no reply ever precedes the handshake.
  let early: string[] | undefined = [];
  const splitter = createLineSplitter(
    (line) => (early ? early.push(line) : onLine(line)),
    (error) => send({ type: 'error', kind: 'protocol_error', message: error.shortMessage }),
  );
  input.on('data', (chunk: Buffer) => splitter.push(chunk));
  input.on('end', () => void close());
  input.on('error', () => void close());

  const backends = await runner.capabilities();
  send({ type: 'handshake', protocolVersion, backends, ...parameters.handshake });
  const waiting = early;
  early = undefined;
  for (const line of waiting) onLine(line);
  await closed;
}

/**
 * Coalesces progress reports: the first report arms a timer, and when it fires the latest report is sent.
 * Reports in between only replace the held one, so at most one message per interval goes out and the
 * last known step is never more than one interval stale.
 */
function throttleProgress(
  send: (progress: Progress) => void,
  intervalMs: number,
): { report: (progress: Progress) => void; stop: () => void } {
  if (intervalMs <= 0) return { report: send, stop: () => {} };
  let held: Progress | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const progress = held;
    held = undefined;
    if (progress) send(progress);
  };
  return {
    report(progress) {
      held = progress;
      timer ??= setTimeout(flush, intervalMs);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      held = undefined;
    },
  };
}
