import type {} from '@fastify/static';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BridgeError } from '../errors/BridgeError.js';
import { global } from './global.js';

/** Paths that answer JSON errors; every other GET may fall back to the web UI. */
export const isApiPath = (url: string) =>
  /^\/(v1|api|explorer)(\/|$|\?)/.test(url) ||
  /^\/(healthz|readyz|metrics|openapi\.json|ui-config\.json)/.test(url);

function fromFastify(error: FastifyError, bodyLimit: number): BridgeError | undefined {
  if (error instanceof BridgeError) return error;
  if (error.validation) {
    const first = error.validation[0];
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const path = (first?.instancePath ?? '').split('/').filter(Boolean);
    if (missing) path.push(missing);
    const param = path.length > 0 ? path.join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]') : null;
    const where =
      error.validationContext === 'body' ? param : `${error.validationContext} ${param ?? ''}`.trim();
    // ajv says "must be object" of a `[]` or `null` body: the sentence names the body and the JSON type.
    const reason = (first?.message ?? error.message).replace(/^must be object$/, 'must be a JSON object');
    return new BridgeError(
      missing ? 'missing_required_parameter' : 'invalid_value',
      missing
        ? `Missing required parameter: '${param}'.`
        : where
          ? `Invalid ${where}: ${reason}.`
          : `The request body ${reason}.`,
      { param },
    );
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BridgeError(
        'body_too_large',
        `The body is larger than this bridge accepts: at most ${bodyLimit} bytes (limits.jsonBodyBytes).`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BridgeError('unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new BridgeError('invalid_json', 'We could not parse the JSON body of your request.');
  }
  if (error.statusCode === 429)
    return new BridgeError('rate_limit_exceeded', 'Rate limit reached for this API key: slow down.');
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500)
    return new BridgeError('invalid_value', error.message);
  return undefined;
}

/** Sends a BridgeError in OpenAI's shape, with Retry-After when it has one. */
export function sendBridgeError(reply: FastifyReply, error: BridgeError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  return reply.code(error.statusCode).type('application/json').send(error.toBody());
}

/**
 * One error shape for every failure (OpenAI's): catalogued BridgeErrors as they are, Fastify's own
 * (validation, body limits, media types, JSON) translated, anything else a logged 500 that says nothing about
 * internals. Unknown API routes are 404s in the same shape; other GETs go to the web UI when one is served.
 */
export const errorsPlugin = global<{ webDir?: string | undefined; bodyLimit: number }>(
  async (fastify, { webDir, bodyLimit }) => {
    fastify.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const known = fromFastify(error, bodyLimit);
      if (known) {
        if (known.statusCode >= 500) request.log.warn({ err: error }, known.shortMessage);
        return sendBridgeError(reply, known);
      }
      request.log.error({ err: error }, 'unexpected error');
      return sendBridgeError(reply, new BridgeError('internal_error', 'Internal error in the bridge.'));
    });
    fastify.setNotFoundHandler((request, reply) => {
      if (webDir && (request.method === 'GET' || request.method === 'HEAD') && !isApiPath(request.url))
        return reply.type('text/html').sendFile('index.html');
      return sendBridgeError(
        reply,
        new BridgeError('not_found', `Unknown request URL: ${request.method} ${request.url.split('?')[0]}.`),
      );
    });
  },
);
