import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export type RelayMetrics = {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
  bytesIn: Counter<'kind'>;
  bytesOut: Counter<'kind'>;
  statements: Counter<'type'>;
  deleted: Counter<'kind'>;
};

/**
 * Prometheus metrics of one relay instance, in its own registry (several instances may share a process in tests).
 *
 * @example
 * const metrics = createRelayMetrics(); await metrics.registry.metrics();
 */
export function createRelayMetrics({ defaults = false }: { defaults?: boolean } = {}): RelayMetrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'relay_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'relay_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: 'relay_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    bytesIn: new Counter({
      name: 'relay_bytes_in_total',
      help: 'Bytes stored',
      labelNames: ['kind'],
      registers,
    }),
    bytesOut: new Counter({
      name: 'relay_bytes_out_total',
      help: 'Bytes served',
      labelNames: ['kind'],
      registers,
    }),
    statements: new Counter({
      name: 'relay_statements_signed_total',
      help: 'EIP-712 statements signed',
      labelNames: ['type'],
      registers,
    }),
    deleted: new Counter({
      name: 'relay_retention_deleted_total',
      help: 'Objects deleted by retention',
      labelNames: ['kind'],
      registers,
    }),
  };
}
