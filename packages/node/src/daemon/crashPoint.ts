/**
 * Test hook for crash tests: when `VERINET_NODE_CRASH_AT` (read once, at the first hit) names this point, the
 * process kills itself with SIGKILL right here (after the step before it was persisted), exactly as `kill -9` would.
 * `VERINET_NODE_CRASH_AT` may also be `name#n` to crash at the n-th time the point is reached.
 *
 * `VERINET_NODE_CRASH_SPARE` (comma-separated task keys): hits for these tasks do not count, nor do hits that
 * name no task. A process restarted after one crash then finishes the earlier tasks and crashes at the next
 * task's point: one process start per crash instead of two.
 */
const counts = new Map<string, number>();

/**
 * The two variables, read at the first hit: a crash test sets them in the environment of the process it starts, and
 * `process.env` is a lookup in the C++ environment at every read (the 20 watchers of a devnet pass here at every
 * block: 8 % of their CPU in a 20-watcher profile).
 */
let settings: { point: string; nth: number; spared: Set<string> | undefined } | null | undefined;

function readSettings(): typeof settings {
  const target = process.env.VERINET_NODE_CRASH_AT;
  if (!target) return null;
  const [point = '', nth] = target.split('#');
  const spare = process.env.VERINET_NODE_CRASH_SPARE;
  return {
    point,
    nth: Number(nth ?? 1),
    spared: spare ? new Set(spare.toLowerCase().split(',')) : undefined,
  };
}

export function crashPoint(name: string, taskKeys?: readonly (string | null | undefined)[]): void {
  if (settings === undefined) settings = readSettings();
  if (!settings || settings.point !== name) return;
  const { spared } = settings;
  if (spared) {
    const fresh = (taskKeys ?? []).some((key) => key && !spared.has(key.toLowerCase()));
    if (!fresh) return;
  }
  const count = (counts.get(name) ?? 0) + 1;
  counts.set(name, count);
  if (count === settings.nth) process.kill(process.pid, 'SIGKILL');
}
