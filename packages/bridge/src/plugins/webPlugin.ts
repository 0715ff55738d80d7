import fastifyStatic from '@fastify/static';
import type { BridgeContext } from '../app/context.js';
import { BridgeError } from '../errors/BridgeError.js';
import { sendBridgeError } from './errorsPlugin.js';
import { global } from './global.js';

/**
 * The web UI (a folder built by packages/web) at `/`, and the explorer's read-only API proxied from
 * `/explorer/*` to the indexer, so the browser talks to one origin.
 */
export const webPlugin = global<{ context: BridgeContext; webDir?: string | undefined }>(
  async (fastify, { context, webDir }) => {
    if (webDir)
      await fastify.register(fastifyStatic, {
        root: webDir,
        prefix: '/',
        wildcard: true,
        index: 'index.html',
      });
    const explorer = context.info.explorerUrl;
    fastify.get(
      '/explorer/*',
      { schema: { summary: 'The explorer indexer API (proxied, read-only)', tags: ['explorer'] } },
      async (request, reply) => {
        if (!explorer)
          return sendBridgeError(
            reply,
            new BridgeError('not_found', 'No explorer is configured on this bridge.'),
          );
        let upstream: Response;
        try {
          upstream = await fetch(new URL(request.url, explorer), { signal: AbortSignal.timeout(15_000) });
        } catch {
          return sendBridgeError(
            reply,
            new BridgeError('not_ready', 'The explorer indexer does not answer.'),
          );
        }
        reply.code(upstream.status).type(upstream.headers.get('content-type') ?? 'application/json');
        return reply.send(Buffer.from(await upstream.arrayBuffer()));
      },
    );
  },
);
