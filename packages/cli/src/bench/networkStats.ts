import type { ChainCeiling } from './measureChainCeiling.js';

/** Percentile `p` (0…100) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * The median run of the chain-bound ceiling by tasks/s; of an even count the higher middle one (the ratio against
 * it is the lower, never flattered); tasks/s NaN when no run finished.
 */
export function medianCeiling(runs: readonly ChainCeiling[]): ChainCeiling {
  if (runs.length === 0)
    return { tasks: 0, transactions: 0, seconds: 0, tasksPerSecond: Number.NaN, txPerSecond: Number.NaN };
  const sorted = [...runs].sort((a, b) => a.tasksPerSecond - b.tasksPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `"spread 94.89–117.24 = ±10.5 % of the median"`, or `"one run"`. */
export function ceilingSpread(runs: readonly ChainCeiling[]): string {
  if (runs.length < 2) return 'one run: no spread';
  const rates = runs.map((run) => run.tasksPerSecond);
  const low = Math.min(...rates);
  const high = Math.max(...rates);
  const median = medianCeiling(runs).tasksPerSecond;
  return `spread ${low.toFixed(2)}–${high.toFixed(2)} = ${(((high - low) / median) * 100).toFixed(1)} % of the median`;
}

/** `1234.5` → `"1,235 ms"`. */
export const formatMs = (ms: number) => `${Math.round(ms).toLocaleString('en-US')} ms`;

/**
 * The relay's answers other than 2xx from its Prometheus text (`relay_http_requests_total`), as
 * `GET /v1/tasks/:taskKey/args 409` → count (and `all` → every answer): a retryable refusal costs the caller its
 * Retry-After.
 */
export function countRelayRefusals(metrics: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('relay_http_requests_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]] as const),
    );
    const status = labels.status ?? '';
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    counts.set('all', (counts.get('all') ?? 0) + count);
    if (status.startsWith('2')) continue;
    counts.set(`${labels.method} ${labels.route} ${status}`, count);
  }
  return counts;
}

/**
 * The devnet's warning and error lines grouped by what they say, task keys, addresses and numbers left out:
 * `node: warning: relay: The task is pending … [taskKey 0x…]` → one entry with its count.
 */
export function countDevnetWarnings(output: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!/: (warning|error|fatal): /.test(line)) continue;
    const shape = line
      .replace(/0x[0-9a-fA-F]+/g, '0x…')
      .replace(/\d+/g, 'N')
      .slice(0, 200);
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  return counts;
}

/**
 * Where a chain-bound ceiling run starts: a fresh anvil, or the network's own chain as saved at the start or at
 * the end of the saturated phase (its state grown by every task run before).
 */
export type CeilingState = 'fresh' | 'start' | 'end';

/**
 * The chain each ceiling run starts from, in the order they run: `runs` per state, the states taken in turn (a
 * drift of the machine's load over the runs then falls on every state alike). `grown` = the saturated phase's
 * start and end; `both` = those and a fresh anvil.
 */
export function planCeilingRuns(mode: 'fresh' | 'grown' | 'both', runs: number): CeilingState[] {
  const states: CeilingState[] =
    mode === 'fresh' ? ['fresh'] : mode === 'grown' ? ['start', 'end'] : ['fresh', 'start', 'end'];
  return Array.from({ length: runs }, () => states).flat();
}

/**
 * The ceiling over the saturated phase's chain from the ceilings measured on its chain at the phase's start and at
 * its end: the harmonic mean (the mean of the time per task), i.e. the rate if anvil's cost per task grows
 * evenly over the phase, as it does (7 → 26–28 ms over 10,000 tasks, session 14). NaN when either is missing.
 */
export function combineGrownCeilings(atStart: number, atEnd: number): number {
  if (!(atStart > 0) || !(atEnd > 0)) return Number.NaN;
  return 2 / (1 / atStart + 1 / atEnd);
}
