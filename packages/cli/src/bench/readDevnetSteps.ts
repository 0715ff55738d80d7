/** Node task steps in the order a task goes through them (the node daemon's `task step` log lines). */
const nodeSteps = ['args_ready', 'models_ready', 'executed', 'result_uploaded', 'reported'] as const;

export type DevnetSteps = {
  /** `seen → args_ready` … `result_uploaded → reported`: each task's time between its node's steps, in ms. */
  node: Map<string, number[]>;
  /** `GET /v1/tasks/:taskKey/args` → the relay's response times (its own `responseTime`), in ms. */
  relay: Map<string, number[]>;
};

/**
 * Where a task's time goes inside the devnet process, from its log file at level info (`--devnet-log-level info`):
 * the node daemons' `task step` lines (the first carries `seenAt`, when the watcher stored the task) and the
 * relay's request lines. Only tasks seen, and requests answered, within [`from`, `to`] (`Date.now()` values: one
 * phase of the bench) count.
 *
 * @example
 * const steps = readDevnetSteps(readFileSync(join(dir, 'devnet.log'), 'utf8'), { from, to });
 */
export function readDevnetSteps(log: string, window: { from: number; to: number }): DevnetSteps {
  const tasks = new Map<string, Map<string, number>>();
  const requests = new Map<string, string>();
  const relay = new Map<string, number[]>();
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: {
      msg?: string;
      time?: number;
      taskKey?: string;
      to?: string;
      seenAt?: number;
      reqId?: string;
      req?: { method?: string; url?: string };
      responseTime?: number;
    };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.msg === 'task step' && entry.taskKey && entry.to && entry.time !== undefined) {
      const marks = tasks.get(entry.taskKey) ?? new Map<string, number>();
      if (entry.seenAt !== undefined && !marks.has('seen')) marks.set('seen', entry.seenAt);
      if (!marks.has(entry.to)) marks.set(entry.to, entry.time);
      tasks.set(entry.taskKey, marks);
    } else if (entry.msg === 'incoming request' && entry.reqId && entry.req?.url) {
      const path = entry.req.url.split('?')[0]!.replace(/0x[0-9a-fA-F]+/g, ':key');
      requests.set(entry.reqId, `${entry.req.method ?? '?'} ${path}`);
    } else if (entry.msg === 'request completed' && entry.reqId && entry.responseTime !== undefined) {
      const route = requests.get(entry.reqId);
      requests.delete(entry.reqId);
      if (!route || entry.time === undefined || entry.time < window.from || entry.time > window.to) continue;
      const list = relay.get(route) ?? [];
      list.push(entry.responseTime);
      relay.set(route, list);
    }
  }
  const node = new Map<string, number[]>();
  for (const marks of tasks.values()) {
    const seen = marks.get('seen');
    if (seen === undefined || seen < window.from || seen > window.to) continue;
    let previous = seen;
    let previousName = 'seen';
    for (const name of nodeSteps) {
      const at = marks.get(name);
      if (at === undefined) break;
      const key = `${previousName} → ${name}`;
      const list = node.get(key) ?? [];
      list.push(at - previous);
      node.set(key, list);
      previous = at;
      previousName = name;
    }
  }
  return { node, relay };
}
