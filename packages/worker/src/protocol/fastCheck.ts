import type { ParentMessage, WorkerMessage } from './messages.js';

/**
 * Hand-written checks for the messages of every task (run; progress and result), which the zod schemas in
 * messages.ts would otherwise validate on each line. A zod parse right after the process wakes up runs on
 * cold caches and costs 25-55 µs per message (measured), a few of these checks do not. They only ever
 * accept: a message they do not recognise as valid goes on to zod, which stays the definition of the
 * protocol and gives the error. So each check must accept a subset of what its schema accepts (tested
 * against zod in protocol.test.ts); being stricter only costs speed.
 */

type Json = Record<string, unknown>;

const requestIdOk = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= 128;
const uintOk = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const taskTypes: ReadonlySet<unknown> = new Set(['sd', 'llm', 'sd_ft']);
const mediaTypes: ReadonlySet<unknown> = new Set(['image/png', 'application/json']);
const fileNamePattern = /^[A-Za-z0-9._-]+$/;
const sha256Pattern = /^[0-9a-f]{64}$/;
const scorePattern = /^[0-9a-f]{2,}$/;

/** True when `value` is a plain object whose own keys are all in `required` or `optional`. */
function hasOnlyKeys(value: Json, required: readonly string[], optional: readonly string[] = []): boolean {
  for (const key of required) if (!Object.hasOwn(value, key)) return false;
  const keys = Object.keys(value);
  if (keys.length === required.length) return true;
  let known = required.length;
  for (const key of optional) if (Object.hasOwn(value, key)) known++;
  return keys.length === known;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is a valid run, cancel or shutdown message; undefined when zod must decide. */
export function fastCheckParentMessage(value: unknown): ParentMessage | undefined {
  if (!isObject(value)) return undefined;
  if (value.type === 'run') {
    // `args` is z.unknown() in the schema, but the key must be present for this check to vouch for it.
    const ok =
      hasOnlyKeys(value, ['type', 'requestId', 'taskType', 'args', 'outputDir']) &&
      requestIdOk(value.requestId) &&
      taskTypes.has(value.taskType) &&
      typeof value.outputDir === 'string' &&
      value.outputDir.length >= 1;
    return ok ? (value as ParentMessage) : undefined;
  }
  return undefined;
}

/** `value` when it is a valid progress or result message; undefined when zod must decide. */
export function fastCheckWorkerMessage(value: unknown): WorkerMessage | undefined {
  if (!isObject(value)) return undefined;
  if (value.type === 'progress') {
    const ok =
      hasOnlyKeys(value, ['type', 'requestId', 'step', 'total'], ['message']) &&
      requestIdOk(value.requestId) &&
      uintOk(value.step) &&
      uintOk(value.total) &&
      (!Object.hasOwn(value, 'message') || typeof value.message === 'string');
    return ok ? (value as WorkerMessage) : undefined;
  }
  if (value.type === 'result') {
    const { files, score, durationMs } = value;
    const ok =
      hasOnlyKeys(value, ['type', 'requestId', 'files', 'score', 'durationMs']) &&
      requestIdOk(value.requestId) &&
      Array.isArray(files) &&
      files.length >= 1 &&
      files.every(fileOk) &&
      typeof score === 'string' &&
      scorePattern.test(score) &&
      typeof durationMs === 'number' &&
      Number.isFinite(durationMs) &&
      durationMs >= 0;
    return ok ? (value as WorkerMessage) : undefined;
  }
  return undefined;
}

function fileOk(file: unknown): boolean {
  return (
    isObject(file) &&
    hasOnlyKeys(file, ['name', 'mediaType', 'size', 'sha256']) &&
    typeof file.name === 'string' &&
    fileNamePattern.test(file.name) &&
    mediaTypes.has(file.mediaType) &&
    uintOk(file.size) &&
    typeof file.sha256 === 'string' &&
    sha256Pattern.test(file.sha256)
  );
}
