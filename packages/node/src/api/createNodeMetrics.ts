import { Gauge, Registry } from 'prom-client';
import type { ChainWatcher } from '../chain/createChainWatcher.js';
import type { NodeStore } from '../store/index.js';

/**
 * Prometheus metrics, read from the store and the watcher at scrape time (the store is the truth; nothing
 * is counted twice across restarts).
 */
export function createNodeMetrics(store: NodeStore, watcher: ChainWatcher): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'verinet_node_tasks',
    help: 'Tasks known to this node by step (and outcome for ended ones)',
    labelNames: ['step', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      const rows = store.db
        .prepare('SELECT step, outcome, COUNT(*) AS n FROM tasks GROUP BY step, outcome')
        .all() as {
        step: string;
        outcome: string | null;
        n: number;
      }[];
      for (const row of rows) this.set({ step: row.step, outcome: row.outcome ?? '' }, row.n);
    },
  });
  new Gauge({
    name: 'verinet_node_transactions',
    help: 'Transactions sent by this node by status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      const rows = store.db
        .prepare('SELECT status, COUNT(*) AS n FROM transactions GROUP BY status')
        .all() as {
        status: string;
        n: number;
      }[];
      for (const row of rows) this.set({ status: row.status }, row.n);
    },
  });
  new Gauge({
    name: 'verinet_node_chain_head',
    help: 'Latest chain head seen',
    registers: [registry],
    collect() {
      this.set(watcher.status().head ?? 0);
    },
  });
  new Gauge({
    name: 'verinet_node_chain_cursor',
    help: 'Last block whose events were processed',
    registers: [registry],
    collect() {
      this.set(watcher.status().cursor?.blockNumber ?? 0);
    },
  });
  new Gauge({
    name: 'verinet_node_chain_rpc_up',
    help: '1 when the chain RPC answers, 0 while it is unreachable',
    registers: [registry],
    collect() {
      this.set(watcher.status().rpcOk ? 1 : 0);
    },
  });
  new Gauge({
    name: 'verinet_node_chain_reorgs',
    help: 'Chain reorganizations seen since start',
    registers: [registry],
    collect() {
      this.set(watcher.status().reorgs);
    },
  });
  new Gauge({
    name: 'verinet_node_resident_memory_bytes',
    help: 'Resident memory of the node process',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().rss);
    },
  });
  return registry;
}
