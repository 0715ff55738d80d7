import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RelayContext } from '../app/context.js';
import { errorBody, toRouteSchema } from '../app/zodSchema.js';
import { RelayError } from '../errors/RelayError.js';
import { sendRelayError } from './errorsPlugin.js';

const infoSchema = z.object({
  chainId: z.number(),
  taskManager: z.string(),
  relaySigner: z.string(),
  domain: z.object({
    name: z.string(),
    version: z.string(),
    chainId: z.number(),
    verifyingContract: z.string(),
  }),
  auth: z.object({ maxAgeSeconds: z.number(), maxFutureSeconds: z.number() }),
  limits: z.object({
    jsonBodyBytes: z.number(),
    argsBytes: z.number(),
    resultFileBytes: z.number(),
    resultFiles: z.number(),
    requestsPerMinute: z.number(),
  }),
});

/** Operations: /healthz (alive), /readyz (storage and chain reachable), /metrics, /v1/info, /openapi.json. */
export const opsPlugin: FastifyPluginAsync<{ context: RelayContext }> = async (fastify, { context }) => {
  fastify.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  fastify.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    if (!context.state.ready)
      return sendRelayError(reply, new RelayError('NOT_READY', 'The relay is starting or stopping.'));
    try {
      await Promise.all([
        context.storage.meta.ping(),
        context.storage.objects.ping(),
        context.chain.getBlockNumber(),
      ]);
    } catch (error) {
      request.log.warn({ err: error }, 'not ready');
      return sendRelayError(reply, new RelayError('NOT_READY', 'Storage or chain unreachable.'));
    }
    return { status: 'ready' };
  });

  fastify.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', context.metrics.registry.contentType);
    return context.collectMetrics ? context.collectMetrics() : context.metrics.registry.metrics();
  });

  fastify.get(
    '/v1/info',
    {
      schema: {
        summary: 'Chain, EIP-712 domain, relay signer and limits',
        tags: ['info'],
        response: { 200: toRouteSchema(infoSchema), 429: toRouteSchema(errorBody) },
      },
    },
    async () => ({
      chainId: context.chain.chainId,
      taskManager: context.chain.taskManager,
      relaySigner: context.signer.address,
      domain: context.domain,
      auth: context.config.auth,
      limits: context.config.limits,
    }),
  );

  fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger());
};
