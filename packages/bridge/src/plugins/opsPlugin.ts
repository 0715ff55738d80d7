import type { FastifyPluginAsync } from 'fastify';
import type { BridgeContext } from '../app/context.js';
import { BridgeError } from '../errors/BridgeError.js';
import { sendBridgeError } from './errorsPlugin.js';

/** Operations: /healthz (alive), /readyz (store reachable, not stopping), /metrics, /openapi.json, /ui-config.json. */
export const opsPlugin: FastifyPluginAsync<{ context: BridgeContext }> = async (fastify, { context }) => {
  fastify.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  fastify.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    if (!context.state.ready)
      return sendBridgeError(reply, new BridgeError('not_ready', 'The bridge is starting or stopping.'));
    try {
      await context.store.ping();
    } catch (error) {
      request.log.warn({ err: error }, 'not ready');
      return sendBridgeError(reply, new BridgeError('not_ready', 'The job store is unreachable.'));
    }
    return { status: 'ready', running: context.runner.running() };
  });

  fastify.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    context.metrics.running.set(context.runner.running());
    reply.header('content-type', context.metrics.registry.contentType);
    return context.metrics.registry.metrics();
  });

  fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger());

  fastify.get('/ui-config.json', { schema: { hide: true } }, async () => ({
    explorerUrl: context.info.explorerUrl ? '/explorer' : null,
    chainId: context.info.chainId,
    rpcUrl: context.info.rpcUrl,
    relayUrl: context.info.relayUrl,
    deployment: context.info.contracts,
  }));
};
