import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { relayErrors } from '../errors/catalogue.js';
import { RelayError } from '../errors/RelayError.js';
import { global } from './global.js';

function fromFastify(error: FastifyError): RelayError | undefined {
  if (error instanceof RelayError) return error;
  if (error.validation) {
    const first = error.validation[0];
    // A `[]` or `null` body fails the body schema's top-level type: worded as the bridge words it, naming the
    // body and the JSON type instead of ajv's "Invalid body: must be object".
    if (error.validationContext === 'body' && !first?.instancePath && first?.keyword === 'type')
      return new RelayError('INVALID_REQUEST', 'The request body must be a JSON object.');
    const where = `${error.validationContext ?? 'request'}${first?.instancePath ? first.instancePath.replaceAll('/', '.') : ''}`;
    return new RelayError('INVALID_REQUEST', `Invalid ${where}: ${first?.message ?? error.message}.`);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RelayError('BODY_TOO_LARGE', 'The body is larger than this route accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new RelayError('UNSUPPORTED_MEDIA_TYPE', `Unsupported Content-Type: ${error.message}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new RelayError('MALFORMED_JSON', 'The body is not valid JSON.');
    case 'FST_ERR_RATE_LIMIT_EXCEEDED':
      return new RelayError('RATE_LIMITED', 'Too many requests: slow down.', { retryAfter: 60 });
  }
  if (typeof error.statusCode === 'number' && error.statusCode === 429)
    return new RelayError('RATE_LIMITED', 'Too many requests: slow down.', { retryAfter: 60 });
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500)
    return new RelayError('INVALID_REQUEST', error.message);
  return undefined;
}

/** Sends a catalogued error: `{ error: { code, message, retryAfter? } }` plus Retry-After when retryable. */
export function sendRelayError(reply: FastifyReply, error: RelayError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  return reply.code(error.statusCode).send({
    error: {
      code: error.code,
      message: error.shortMessage,
      ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
    },
  });
}

/**
 * One error shape for every failure: catalogued RelayErrors as they are, Fastify's own (validation, body
 * limits, media types, JSON) translated into the catalogue, anything else a logged 500 that says nothing
 * about internals.
 */
export const errorsPlugin = global(async (fastify) => {
  fastify.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = fromFastify(error);
    if (known) {
      if (known.statusCode >= 500) request.log.warn({ err: error }, known.shortMessage);
      return sendRelayError(reply, known);
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendRelayError(reply, new RelayError('INTERNAL', 'Internal error; nothing was committed.'));
  });
  fastify.setNotFoundHandler((request, reply) =>
    sendRelayError(
      reply,
      new RelayError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
});

export { relayErrors };
