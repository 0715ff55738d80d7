import type { BridgeContext } from '../app/context.js';
import { BridgeError } from '../errors/BridgeError.js';
import { hashApiKey } from '../keys/hashApiKey.js';
import { sendBridgeError } from './errorsPlugin.js';
import { global } from './global.js';

/** Routes open without a key: operations, the UI config, and signed image URLs (the signature is the capability). */
const isOpen = (url: string) => !/^\/(v1|api)(\/|$|\?)/.test(url) || url.startsWith('/v1/files/');

/**
 * API-key authentication for /v1 and /api: `Authorization: Bearer <key>`; the key is looked up by its sha256
 * (the store never holds keys), revoked keys are refused like unknown ones.
 */
export const authPlugin = global<{ context: BridgeContext }>(async (fastify, { context }) => {
  fastify.addHook('onRequest', async (request, reply) => {
    // The matched route, not the raw URL: the router decodes percent-escapes (`/%761/chat/completions` is
    // `/v1/chat/completions`), so a test on the raw URL let such requests past without a key.
    if (isOpen(request.routeOptions.url ?? request.url)) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match)
      return sendBridgeError(
        reply,
        new BridgeError(
          'invalid_api_key',
          "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' (create one with `verinet bridge keys create`).",
        ),
      );
    const key = await context.store.findKeyByHash(hashApiKey(match[1] as string));
    if (!key || key.revokedAt !== null)
      return sendBridgeError(
        reply,
        new BridgeError('invalid_api_key', key ? 'This API key was revoked.' : 'Incorrect API key provided.'),
      );
    request.apiKey = key;
  });
});
