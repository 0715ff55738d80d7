/**
 * Test hook for crash tests: when `VERINET_NODE_CRASH_AT` names this point, the process kills itself with
 * SIGKILL right here (after the step before it was persisted), exactly as a power cut or `kill -9` would.
 * `VERINET_NODE_CRASH_AT` may also be `name#n` to crash at the n-th time the point is reached.
 */
const counts = new Map<string, number>();

export function crashPoint(name: string): void {
  const target = process.env.VERINET_NODE_CRASH_AT;
  if (!target) return;
  const [point, nth] = target.split('#');
  if (point !== name) return;
  const count = (counts.get(name) ?? 0) + 1;
  counts.set(name, count);
  if (count === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}
