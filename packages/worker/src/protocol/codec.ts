import type { z } from 'zod';
import { WorkerProtocolError } from './errors.js';
import { fastCheckParentMessage, fastCheckWorkerMessage } from './fastCheck.js';
import {
  type ParentMessage,
  parentMessageSchema,
  type WorkerMessage,
  workerMessageSchema,
} from './messages.js';

/** Serializes one protocol message to a line (JSON plus `\n`). */
export function encodeMessage(message: WorkerMessage | ParentMessage): string {
  return `${JSON.stringify(message)}\n`;
}

function decodeWith<T>(schema: z.ZodType<T>, fastCheck: (value: unknown) => T | undefined, line: string): T {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new WorkerProtocolError('not JSON', line, error);
  }
  const checked = fastCheck(value);
  if (checked !== undefined) return checked;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'message';
    throw new WorkerProtocolError(`${where}: ${issue?.message ?? 'invalid'}`, line, parsed.error);
  }
  return parsed.data;
}

/** Parses and validates one line written by a worker; throws WorkerProtocolError. */
export function decodeWorkerMessage(line: string): WorkerMessage {
  return decodeWith(workerMessageSchema, fastCheckWorkerMessage, line);
}

/** Parses and validates one line written by the parent (the node); throws WorkerProtocolError. */
export function decodeParentMessage(line: string): ParentMessage {
  return decodeWith(parentMessageSchema, fastCheckParentMessage, line);
}
