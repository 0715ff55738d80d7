/** pino's numeric levels, as words for the terminal. */
const levelWords: Record<number, string> = { 40: 'warning', 50: 'error', 60: 'fatal' };

/** Fields a log line may carry that say which job, task or node it is about (shown in brackets). */
const contextFields = ['job', 'task', 'taskKey', 'taskId', 'id', 'node'] as const;

/**
 * One JSON log line of a devnet service (pino) as one human line for the terminal: who, what, the error's
 * first line and what it is about, never a stack: `bridge: warning: job failed: The node reported … [job job_…]`.
 * The whole line (stack included) is in the devnet's log file. A line that is not JSON is shown as it is.
 *
 * @example
 * formatDevnetLogLine('{"level":40,"service":"relay","msg":"retention pass failed","err":{"message":"disk full"}}')
 * // 'relay: warning: retention pass failed: disk full'
 */
export function formatDevnetLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  if (!entry || typeof entry !== 'object') return line.trimEnd();
  const who = typeof entry.service === 'string' ? entry.service : 'devnet';
  const level = typeof entry.level === 'number' ? levelWords[entry.level] : undefined;
  const parts = [`${who}:`];
  if (level) parts.push(`${level}:`);
  const message = typeof entry.msg === 'string' ? entry.msg : '';
  const err = entry.err as { message?: unknown } | undefined;
  const reason = typeof err?.message === 'string' ? (err.message.split('\n')[0] ?? '').trim() : '';
  parts.push(reason && reason !== message ? `${message}: ${reason}` : message || reason || '(no message)');
  const about = contextFields
    .filter((field) => typeof entry[field] === 'string' || typeof entry[field] === 'number')
    .map((field) => `${field} ${String(entry[field])}`);
  if (about.length > 0) parts.push(`[${about.join(', ')}]`);
  // Control characters from a message (a node's error text) must not drive the terminal.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: they are what is removed
  return parts.join(' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}
