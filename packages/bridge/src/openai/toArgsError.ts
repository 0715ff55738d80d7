import { InvalidTaskArgsError } from '@verinet/protocol/args';
import { BridgeError } from '../errors/BridgeError.js';

/**
 * Writes a task-argument path in the request's notation: a renamed prefix (`generation_config.max_new_tokens`
 * → `max_tokens`) and array indices in brackets (`messages.2.content` → `messages[2].content`).
 *
 * @example
 * toRequestParam('task_config.seed', { 'task_config.seed': 'seed' }) // 'seed'
 */
export function toRequestParam(field: string, renames: Readonly<Record<string, string>> = {}): string {
  let path = field;
  const prefix = Object.keys(renames)
    .filter((from) => path === from || path.startsWith(`${from}.`))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix !== undefined) path = `${renames[prefix]}${path.slice(prefix.length)}`;
  return path.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

/**
 * A refusal of the task schema (InvalidTaskArgsError) as an OpenAI-shaped 400 naming the request's field;
 * anything else is passed through.
 */
export function toArgsError(
  error: unknown,
  renames: Readonly<Record<string, string>> = {},
  prefix = '',
): unknown {
  if (!(error instanceof InvalidTaskArgsError)) return error;
  const param =
    error.field === '' ? prefix.replace(/\.$/, '') || null : prefix + toRequestParam(error.field, renames);
  const where = param ?? 'the request';
  return new BridgeError(
    error.kind === 'unsupported' ? 'unsupported_value' : 'invalid_value',
    error.kind === 'unsupported'
      ? `${where} is not supported by the network's task version: ${error.reason}.`
      : `Invalid ${where}: ${error.reason}.`,
    { param, cause: error },
  );
}
