/**
 * Test hook for crash tests: when `VERINET_NODE_CRASH_AT` names this point, the process kills itself with
 * SIGKILL right here (after the step before it was persisted), exactly as `kill -9` would.
 * `VERINET_NODE_CRASH_AT` may also be `name#n` to crash at the n-th time the point is reached.
 *
 * `VERINET_NODE_CRASH_SPARE` (comma-separated task keys): hits for these tasks do not count, nor do hits that
 * name no task. A process restarted after one crash then finishes the earlier tasks and crashes at the next
 * task's point: one process start per crash instead of two.
 */
const counts = new Map<string, number>();

export function crashPoint(name: string, taskKeys?: readonly (string | null | undefined)[]): void {
  const target = process.env.VERINET_NODE_CRASH_AT;
  if (!target) return;
  const [point, nth] = target.split('#');
  if (point !== name) return;
  const spare = process.env.VERINET_NODE_CRASH_SPARE;
  if (spare) {
    const spared = new Set(spare.toLowerCase().split(','));
    const fresh = (taskKeys ?? []).some((key) => key && !spared.has(key.toLowerCase()));
    if (!fresh) return;
  }
  const count = (counts.get(name) ?? 0) + 1;
  counts.set(name, count);
  if (count === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}
