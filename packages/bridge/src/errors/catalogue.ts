/**
 * Every error the bridge answers with, in OpenAI's shape `{ error: { message, type, param, code } }`: a stable
 * `code` clients match on, the OpenAI `type`, the HTTP status and what it means. docs/bridge.md lists the same
 * table (a test checks they agree). Bad input is always a 4xx naming the field in `param`.
 */
export const bridgeErrors = {
  invalid_api_key: {
    status: 401,
    type: 'invalid_request_error',
    meaning: 'the Authorization header is missing, malformed, or names an unknown or revoked API key',
  },
  invalid_json: { status: 400, type: 'invalid_request_error', meaning: 'the body is not valid JSON' },
  invalid_value: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'a field has a value outside what the bridge or the task schema accepts (`param` names it)',
  },
  missing_required_parameter: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'a required field is missing (`param` names it)',
  },
  unsupported_parameter: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'a field the network cannot honour, or one the bridge does not know (`param` names it)',
  },
  unsupported_value: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'a known field with a value the network cannot honour (`param` names it)',
  },
  context_length_exceeded: {
    status: 400,
    type: 'invalid_request_error',
    meaning:
      "the prompt does not fit the model's context (counted with its tokenizer before anything is paid; `param` names the messages)",
  },
  idempotency_conflict: {
    status: 409,
    type: 'invalid_request_error',
    meaning: 'this Idempotency-Key was used before with a different request',
  },
  model_not_found: { status: 404, type: 'invalid_request_error', meaning: 'no such model on this bridge' },
  not_found: { status: 404, type: 'invalid_request_error', meaning: 'no such route, job or file' },
  body_too_large: {
    status: 413,
    type: 'invalid_request_error',
    meaning: 'the body is larger than the limit',
  },
  unsupported_media_type: {
    status: 415,
    type: 'invalid_request_error',
    meaning: 'the body is not application/json',
  },
  rate_limit_exceeded: {
    status: 429,
    type: 'rate_limit_error',
    meaning: 'too many requests for this API key; retry after Retry-After seconds',
  },
  too_many_jobs: {
    status: 429,
    type: 'rate_limit_error',
    meaning: 'the API key has as many jobs queued or running as it may; retry when one has finished',
  },
  too_many_followers: {
    status: 429,
    type: 'rate_limit_error',
    meaning:
      'the job, or the API key, has as many requests or event streams waiting as it may; close one first',
  },
  insufficient_quota: {
    status: 429,
    type: 'insufficient_quota',
    meaning: "the request's fee would take the API key past its spend limit",
  },
  result_not_ready: {
    status: 409,
    type: 'invalid_request_error',
    meaning: 'the job has not succeeded (yet): there is no result to download',
  },
  task_failed: {
    status: 502,
    type: 'server_error',
    meaning:
      'the network did not produce a validated result (node error report, timeout, group disagreement)',
  },
  timeout: {
    status: 504,
    type: 'server_error',
    meaning: 'the job is still running after the wait limit; poll it through the native task API',
  },
  not_ready: { status: 503, type: 'server_error', meaning: 'the bridge is starting or shutting down' },
  internal_error: {
    status: 500,
    type: 'server_error',
    meaning: 'a bug or a storage failure; the job, if any, is kept',
  },
} as const satisfies Record<string, { status: number; type: string; meaning: string }>;

export type BridgeErrorCode = keyof typeof bridgeErrors;
