/**
 * One worker process of a multi-process relay (startRelayWorkers.ts forks it): waits for its start message
 * (config, deployment, relay key) on the IPC channel, serves, and stops gracefully on `relay-stop` or when the
 * primary goes away.
 */

import { privateKeyToNativeAccount } from '@verinet/protocol/nativeSecp256k1';
import pino from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { serveRelay } from './serveRelay.js';
import type { RelayWorkerStart } from './startRelayWorkers.js';

type FromPrimary =
  | RelayWorkerStart
  | { type: 'relay-stop' }
  | { type: 'relay-metrics'; id: number; text?: string; error?: string };

const metricsWaiters = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
let nextMetricsId = 0;
let served: Awaited<ReturnType<typeof serveRelay>> | undefined;
let stopping: Promise<void> | undefined;

const stop = () => {
  stopping ??= (async () => {
    await served?.close();
    process.exit(0);
  })();
  return stopping;
};

process.on('message', async (message: FromPrimary) => {
  if (message.type === 'relay-stop') return void stop();
  if (message.type === 'relay-metrics') {
    const waiter = metricsWaiters.get(message.id);
    metricsWaiters.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.text ?? '');
    return;
  }
  if (message.type !== 'relay-start' || served) return;
  const { config, deployment, privateKey, index } = message;
  const logger = pino({ level: config.logLevel, base: { service: 'relay', worker: index } });
  try {
    served = await serveRelay({
      config,
      deployment,
      signer: privateKeyToNativeAccount(privateKey),
      logger,
      retention: index === 0,
      rateLimitShare: config.workers,
      // /metrics answers for the whole relay: the primary sums every worker's registry.
      collectMetrics: () =>
        new Promise<string>((resolve, reject) => {
          const id = nextMetricsId++;
          metricsWaiters.set(id, { resolve, reject });
          process.send?.({ type: 'relay-metrics', id });
        }),
      onContext: (context) => {
        AggregatorRegistry.setRegistries([context.metrics.registry]);
        // Constructing one is what makes prom-client answer the primary's requests in this worker.
        new AggregatorRegistry();
      },
    });
    process.send?.({ type: 'relay-listening', url: served.url });
  } catch (error) {
    process.send?.({ type: 'relay-failed', message: `Relay worker ${index}: ${(error as Error).message}` });
    process.exit(1);
  }
});
process.send?.({ type: 'relay-waiting' });
// The primary is gone (killed): finish what is in flight and leave, rather than serve an orphaned port.
process.on('disconnect', () => void stop());
