import type { Readable } from 'node:stream';
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
};

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
    const done = runner
      .run(message, controller.signal, (progress) => {
        if (!controller.signal.aborted) send({ type: 'progress', requestId, ...progress });
      })
      .then((reply) => {
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
