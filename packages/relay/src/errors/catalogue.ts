/**
 * Every error the relay answers with: a stable `code` clients can match on, the HTTP status, whether a retry
 * may succeed (then a Retry-After header is sent) and what it means. docs/relay-api.md lists the same table
 * (a test checks they agree).
 */
export const relayErrors = {
  AUTH_MISSING: { status: 401, retry: false, meaning: 'an authentication header is missing' },
  AUTH_MALFORMED: { status: 401, retry: false, meaning: 'an authentication header is malformed' },
  AUTH_STALE: {
    status: 401,
    retry: false,
    meaning: 'the signature timestamp is outside the validity window',
  },
  AUTH_BAD_SIGNATURE: {
    status: 401,
    retry: false,
    meaning:
      'the signature is not the claimed address over this method, path, body hash, timestamp and nonce',
  },
  AUTH_REPLAYED: { status: 401, retry: false, meaning: 'this signed request was already used' },
  BODY_HASH_MISMATCH: {
    status: 400,
    retry: false,
    meaning: 'the body does not hash to the signed body hash',
  },
  BODY_TOO_LARGE: { status: 413, retry: false, meaning: 'the body is larger than the limit' },
  LENGTH_REQUIRED: { status: 411, retry: false, meaning: 'uploads need a Content-Length header' },
  MALFORMED_JSON: { status: 400, retry: false, meaning: 'the body is not valid JSON' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retry: false,
    meaning: 'the Content-Type is not the one the route takes',
  },
  INVALID_REQUEST: {
    status: 400,
    retry: false,
    meaning: 'a parameter, query field or body field is invalid',
  },
  URI_TOO_LONG: { status: 414, retry: false, meaning: 'a path segment is longer than any valid one' },
  NOT_FOUND: { status: 404, retry: false, meaning: 'no such route (never used for tasks: see TASK_UNKNOWN)' },
  RATE_LIMITED: { status: 429, retry: true, meaning: 'too many requests from this address' },
  TASK_UNKNOWN: {
    status: 425,
    retry: true,
    meaning: 'the relay’s chain view has no such task (yet): retry, the RPC may lag behind',
  },
  TASK_NOT_STARTED: { status: 409, retry: true, meaning: 'the task is queued: no node was selected yet' },
  TASK_STATE: {
    status: 409,
    retry: false,
    meaning: 'the operation does not apply in the task’s current state',
  },
  NOT_TASK_CREATOR: { status: 403, retry: false, meaning: 'only the task’s creator may do this' },
  NOT_TASK_NODE: { status: 403, retry: false, meaning: 'only the task’s selected node may do this' },
  ARGS_COMMITMENT_MISMATCH: {
    status: 422,
    retry: false,
    meaning: 'keccak256(keccak256(bytes) ‖ salt) is not the argsCommitment',
  },
  ARGS_INVALID: {
    status: 422,
    retry: false,
    meaning: 'the arguments are not canonical JSON of a valid task',
  },
  ARGS_UNSUPPORTED: {
    status: 422,
    retry: false,
    meaning:
      'no node of this network version would run these arguments (a newer task version, a task type without a backend): the task could only time out',
  },
  MODEL_UNAVAILABLE: {
    status: 422,
    retry: false,
    meaning: 'no registered node declares a model the arguments name: the task could only time out',
  },
  ARGS_QUOTA_EXCEEDED: {
    status: 429,
    retry: true,
    meaning: 'too many argument uploads without a task on chain, for this address or for the relay',
  },
  ARGS_CONFLICT: { status: 409, retry: false, meaning: 'these arguments are held for another creator' },
  ARGS_NOT_UPLOADED: { status: 409, retry: true, meaning: 'the creator has not uploaded the arguments yet' },
  RESULT_NAME_INVALID: {
    status: 400,
    retry: false,
    meaning: 'result file names are `0.png` … `63.png` (image tasks) or `result.json` (LLM tasks)',
  },
  RESULT_FILE_TOO_LARGE: { status: 413, retry: false, meaning: 'a result file is larger than the limit' },
  RESULT_FILES_MISMATCH: {
    status: 422,
    retry: false,
    meaning: 'the uploaded files are not the set the arguments ask for',
  },
  RESULT_IMAGE_INVALID: {
    status: 422,
    retry: false,
    meaning: 'an image is not an 8-bit RGB PNG of the width and height in the arguments',
  },
  RESULT_TEXT_INVALID: { status: 422, retry: false, meaning: 'result.json is not the canonical chat result' },
  RESULT_TYPE_UNSUPPORTED: {
    status: 422,
    retry: false,
    meaning: 'this relay does not check results of this task type',
  },
  SCORE_MISMATCH: { status: 422, retry: false, meaning: 'the recomputed score differs from the claimed one' },
  RESULT_COMMITTED: {
    status: 409,
    retry: false,
    meaning: 'the result was already committed with other content',
  },
  RESULT_FILES_CHANGED: {
    status: 409,
    retry: true,
    meaning: 'a result file was re-uploaded while the commit checked the files: commit again',
  },
  RESULT_FILE_LOST: {
    status: 409,
    retry: true,
    meaning:
      'an uploaded (not yet committed) result file was lost in a relay crash: upload the files again, then commit',
  },
  RESULT_NOT_AVAILABLE: { status: 409, retry: true, meaning: 'the node has not committed a result yet' },
  RESULT_NOT_RELEASED: {
    status: 409,
    retry: true,
    meaning: 'the chain does not show the task validated yet: results are released once it is',
  },
  RESULT_WITHHELD: {
    status: 403,
    retry: false,
    meaning: 'the task ended without a validated result, or the on-chain score differs from the relay’s',
  },
  CHAIN_UNAVAILABLE: { status: 503, retry: true, meaning: 'the relay cannot read the chain right now' },
  NOT_READY: { status: 503, retry: true, meaning: 'the relay is starting or shutting down' },
  BUSY: {
    status: 503,
    retry: true,
    meaning: 'the relay has as much checking work queued as it takes (result images to hash): retry later',
  },
  INTERNAL: { status: 500, retry: true, meaning: 'a bug or a storage failure; nothing was committed' },
} as const satisfies Record<string, { status: number; retry: boolean; meaning: string }>;

export type RelayErrorCode = keyof typeof relayErrors;
