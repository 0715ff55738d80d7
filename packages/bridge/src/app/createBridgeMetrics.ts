import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type BridgeMetrics = {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
  jobs: Counter<'type' | 'status'>;
  jobSeconds: Histogram<'type'>;
  running: Gauge;
};

/**
 * Prometheus metrics of one bridge instance, in its own registry (tests run several in one process).
 *
 * @example
 * const metrics = createBridgeMetrics(); await metrics.registry.metrics();
 */
export function createBridgeMetrics({ defaults = false }: { defaults?: boolean } = {}): BridgeMetrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'bridge_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'bridge_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: 'bridge_http_request_duration_seconds',
      help: 'HTTP request duration (OpenAI requests include the whole job)',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    jobs: new Counter({
      name: 'bridge_jobs_finished_total',
      help: 'Jobs finished, by task type and outcome',
      labelNames: ['type', 'status'],
      registers,
    }),
    jobSeconds: new Histogram({
      name: 'bridge_job_duration_seconds',
      help: 'Time from job creation to verified result',
      labelNames: ['type'],
      buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers,
    }),
    running: new Gauge({ name: 'bridge_jobs_running', help: 'Jobs being driven now', registers }),
  };
}
