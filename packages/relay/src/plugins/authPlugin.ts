import { createHash } from 'node:crypto';
import { EMPTY_BODY_HASH, RelayAuthError, verifyRelayRequest } from '@verinet/protocol/relay';
import secp256k1 from 'secp256k1';
import type { RelayContext } from '../app/context.js';
import { createKeccak256 } from '../app/createKeccak256.js';
import { RelayError } from '../errors/RelayError.js';
import { global } from './global.js';

// libsecp256k1 (native, prebuilt in the package): ~20× faster than pure JavaScript recovery, which is what
// lets one core verify thousands of signed requests per second.
const nativeRecover = (digest: Uint8Array, signature: Uint8Array, recovery: number) =>
  secp256k1.ecdsaRecover(signature, recovery, digest, false);

const problemCodes = {
  missing: 'AUTH_MISSING',
  malformed: 'AUTH_MALFORMED',
  stale: 'AUTH_STALE',
  future: 'AUTH_STALE',
  bad_signature: 'AUTH_BAD_SIGNATURE',
} as const;

/**
 * Authentication of routes with `config.auth`: the EIP-712 RelayRequest signature over method, path (with
 * query), declared body hash, timestamp and nonce (docs/relay-api.md), checked from the headers before the
 * body is read, so an upload is refused before a byte of it is stored. Replays are refused by remembering each
 * request's digest for the validity window in the shared metadata store (works across relay instances).
 * JSON bodies are hashed here as they are parsed; streamed uploads are hashed by the object store.
 */
export const authPlugin = global<{ context: RelayContext }>(async (fastify, { context }) => {
  const { config, domain, storage, now } = context;
  const keccak256 = await createKeccak256();
  fastify.decorateRequest('signer', undefined);
  fastify.decorateRequest('declaredBodyHash', undefined);

  fastify.addHook('onRequest', async (request) => {
    if (!request.routeOptions.config.auth) return;
    let verified: ReturnType<typeof verifyRelayRequest>;
    try {
      verified = verifyRelayRequest({
        domain,
        method: request.method,
        path: request.url,
        headers: request.headers,
        now: now(),
        maxAgeSeconds: config.auth.maxAgeSeconds,
        maxFutureSeconds: config.auth.maxFutureSeconds,
        recoverPublicKey: nativeRecover,
        keccak256,
      });
    } catch (error) {
      if (error instanceof RelayAuthError)
        throw new RelayError(problemCodes[error.problem], error.shortMessage);
      throw error;
    }
    if ((request.method === 'GET' || request.method === 'HEAD') && verified.bodyHash !== EMPTY_BODY_HASH)
      throw new RelayError(
        'BODY_HASH_MISMATCH',
        `A ${request.method} request has no body: sign the empty body's sha256.`,
      );
    const fresh = await storage.meta.claimRequest(
      verified.digest,
      verified.timestamp + config.auth.maxAgeSeconds + config.auth.maxFutureSeconds + 1,
    );
    if (!fresh)
      throw new RelayError(
        'AUTH_REPLAYED',
        'This signed request was already used: sign a new one (fresh nonce).',
      );
    request.signer = verified.address;
    request.declaredBodyHash = verified.bodyHash;
  });

  // JSON bodies: bounded, hashed against the signed hash, then parsed.
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: config.limits.jsonBodyBytes },
    (request, body, done) => {
      const buffer = body as Buffer;
      if (request.declaredBodyHash !== undefined) {
        const actual = `0x${createHash('sha256').update(buffer).digest('hex')}`;
        if (actual !== request.declaredBodyHash) {
          done(
            new RelayError(
              'BODY_HASH_MISMATCH',
              `The body hashes to ${actual}, the signature says ${request.declaredBodyHash}.`,
            ),
            undefined,
          );
          return;
        }
      }
      try {
        done(null, JSON.parse(buffer.toString('utf8')));
      } catch {
        done(new RelayError('MALFORMED_JSON', 'The body is not valid JSON.'), undefined);
      }
    },
  );
  // Uploads: the handler streams the request itself (to the object store, which enforces size and hash).
  fastify.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
});
