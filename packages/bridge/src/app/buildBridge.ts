import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { BridgeError } from '../errors/BridgeError.js';
import { authPlugin } from '../plugins/authPlugin.js';
import { errorsPlugin, isApiPath, sendBridgeError } from '../plugins/errorsPlugin.js';
import { openaiPlugin } from '../plugins/openaiPlugin.js';
import { opsPlugin } from '../plugins/opsPlugin.js';
import { tasksPlugin } from '../plugins/tasksPlugin.js';
import { webPlugin } from '../plugins/webPlugin.js';
import type { BridgeContext } from './context.js';

export type BuildBridgeParameters = { context: BridgeContext; logger?: Logger | undefined };

/**
 * The bridge's Fastify app, one plugin per concern: errors, API keys, per-key rate limits, operations, the
 * OpenAI-compatible API, the native task API, the web UI. Not listening yet (startBridge listens).
 *
 * @example
 * const app = await buildBridge({ context }); await app.listen({ port: 7080, host: '127.0.0.1' });
 */
export async function buildBridge({ context, logger }: BuildBridgeParameters): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: context.config.limits.jsonBodyBytes,
    return503OnClosing: true,
    // OpenAI requests wait for their job: no request timeout (the wait limit bounds them).
    requestTimeout: 0,
    frameworkErrors: (error, _request, reply) => {
      sendBridgeError(reply, new BridgeError('invalid_value', `Malformed request: ${error.message}`));
    },
  }) as unknown as FastifyInstance;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Verinet bridge', version: '1.0.0', description: 'See docs/bridge.md' },
    },
  });
  await app.register(errorsPlugin, {
    webDir: context.config.webDir,
    bodyLimit: context.config.limits.jsonBodyBytes,
  });
  await app.register(authPlugin, { context });
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    max: (request) => request.apiKey?.requestsPerMinute ?? context.config.keyDefaults.requestsPerMinute,
    keyGenerator: (request) => request.apiKey?.id ?? request.ip,
    // Operations, the UI and signed file URLs are not metered per key.
    allowList: (request) => !request.apiKey || !isApiPath(request.url),
    errorResponseBuilder: (_request, details) =>
      Object.assign(
        new BridgeError(
          'rate_limit_exceeded',
          `Rate limit reached for this API key: at most ${details.max} requests per minute. Retry in ${Math.ceil(details.ttl / 1000)} s.`,
          { retryAfter: Math.ceil(details.ttl / 1000) },
        ),
        { statusCode: 429 },
      ),
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    context.metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    context.metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  await app.register(opsPlugin, { context });
  await app.register(openaiPlugin, { context });
  await app.register(tasksPlugin, { context });
  await app.register(webPlugin, { context, webDir: context.config.webDir });
  return app;
}
