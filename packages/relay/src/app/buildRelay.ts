import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { relayAuthHeaders } from '@verinet/protocol/relay';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { RelayError } from '../errors/RelayError.js';
import { argsPlugin } from '../plugins/argsPlugin.js';
import { authPlugin } from '../plugins/authPlugin.js';
import { errorsPlugin, sendRelayError } from '../plugins/errorsPlugin.js';
import { opsPlugin } from '../plugins/opsPlugin.js';
import { resultsPlugin } from '../plugins/resultsPlugin.js';
import type { PHashPool } from '../results/createPHashPool.js';
import type { RelayContext } from './context.js';

const probePaths = new Set(['/healthz', '/readyz']);

/** Response headers a browser client reads (args metadata, file hash, retry and rate-limit hints). */
const exposedHeaders = [
  'x-verinet-salt',
  'x-verinet-args-hash',
  'x-verinet-args-commitment',
  'x-verinet-task-type',
  'x-verinet-sha256',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
];

function corsOptions({ config }: RelayContext) {
  const { origins, maxAgeSeconds } = config.cors;
  return {
    origin: origins === '*' ? '*' : origins.map((o) => new URL(o).origin),
    methods: ['GET', 'HEAD', 'PUT', 'POST'],
    allowedHeaders: ['content-type', ...Object.values(relayAuthHeaders)],
    exposedHeaders,
    // Never credentials: requests carry their authority in their signature headers.
    credentials: false,
    // A bare OPTIONS (no Origin) gets the same harmless 204, not the plugin's plain-text 400 outside the catalogue.
    strictPreflight: false,
    maxAge: maxAgeSeconds,
  };
}

export type BuildRelayParameters = {
  context: RelayContext;
  logger?: Logger | undefined;
  /** The worker threads hashing result images; by default the relay makes (and closes) its own. */
  pHashPool?: PHashPool | undefined;
};

/**
 * The relay's Fastify app, one plugin per concern: errors, authentication, rate limits, operations, arguments,
 * results. Not listening yet (tests inject requests; startRelay listens).
 *
 * @example
 * const app = await buildRelay({ context }); await app.listen({ port: 7070, host: '127.0.0.1' });
 */
export async function buildRelay({
  context,
  logger,
  pHashPool,
}: BuildRelayParameters): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // Uploads stream through their own limit; this one bounds everything Fastify parses itself.
    bodyLimit: context.config.limits.jsonBodyBytes,
    return503OnClosing: true,
    trustProxy: context.config.trustProxy as boolean,
    requestTimeout: 120_000,
    routerOptions: { maxParamLength: 300 },
    // Errors the router raises before any hook (malformed URLs, over-long parameters) get the catalogue's shape too.
    frameworkErrors: (error, _request, reply) => {
      const code = (error as { code?: string }).code;
      sendRelayError(
        reply,
        code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new RelayError('URI_TOO_LONG', 'A path segment is longer than any valid one.')
          : new RelayError('INVALID_REQUEST', `Malformed request: ${error.message}`),
      );
    },
  }) as unknown as FastifyInstance;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Verinet relay', version: '1.0.0', description: 'See docs/relay-api.md' },
    },
  });
  await app.register(errorsPlugin);
  // Before authentication: its onRequest hook must set the CORS headers on refusals too, or a browser could
  // not read the error.
  await app.register(cors, corsOptions(context));
  await app.register(authPlugin, { context });
  await app.register(rateLimit, {
    global: true,
    max: Math.max(1, Math.floor(context.config.limits.requestsPerMinute / context.rateLimitShare)),
    timeWindow: 60_000,
    hook: 'preHandler',
    keyGenerator: (request) => request.signer ?? request.ip,
    // Probes come from the load balancer (often one address for everyone behind a proxy): never limited.
    allowList: (request) => probePaths.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, details) =>
      new RelayError('RATE_LIMITED', `Too many requests: at most ${details.max} per minute.`, {
        retryAfter: Math.ceil(details.ttl / 1000),
      }),
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    context.metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    context.metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  await app.register(opsPlugin, { context });
  await app.register(argsPlugin, { context });
  await app.register(resultsPlugin, { context, pHashPool });
  return app;
}
