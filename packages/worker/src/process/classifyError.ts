import { isUnsupportedTaskArgsError } from '@verinet/protocol/args';
import type { WorkerErrorKind } from '../protocol/messages.js';

/** Names of errors a backend throws when the task itself is at fault (bad schema, unsupported feature). */
const invalidArgsNames = new Set([
  'InvalidTaskArgsError',
  'IncompatibleModelError',
  'SdUnsupportedArgumentError',
]);
const modelMissingNames = new Set([
  'ModelNotFoundError',
  'ModelIntegrityError',
  'ModelIdError',
  'ModelIdMismatchError',
  'ModelLoadError',
  'SdModelNotFoundError',
  'SdModelFormatError',
]);

/**
 * Maps an error thrown while running a task to the protocol error kind. Only errors that say the task's
 * arguments are at fault become `invalid_args`; everything unknown is `execution_failed`, so a node bug never
 * turns into an on-chain claim that the application sent bad arguments.
 */
export function classifyError(error: unknown, aborted: boolean): WorkerErrorKind {
  if (aborted) return 'cancelled';
  const name = error instanceof Error ? error.name : undefined;
  // The protocol's rule, shared with the relay (which refuses to attest such arguments): a task version
  // newer than this worker is this node's limitation, not the task's fault; nodes of other versions would
  // disagree, so it must never reach the chain as invalid arguments.
  if (isUnsupportedTaskArgsError(error)) return 'unsupported';
  if (name && invalidArgsNames.has(name)) return 'invalid_args';
  if (name && modelMissingNames.has(name)) return 'model_missing';
  // The node lacks the runtime part (e.g. the CUDA provider): its limitation, not the task's or the model's.
  if (name === 'UnsupportedTaskError' || name === 'MissingExecutionProviderError') return 'unsupported';
  return 'execution_failed';
}

/** Short message and detail lines of any thrown value, for the protocol's error message. */
export function describeError(error: unknown): { message: string; details: string[] } {
  if (error instanceof Error) {
    const withDetails = error as Error & { shortMessage?: unknown; details?: unknown };
    const message = typeof withDetails.shortMessage === 'string' ? withDetails.shortMessage : error.message;
    const details = Array.isArray(withDetails.details)
      ? withDetails.details.filter((d): d is string => typeof d === 'string')
      : [];
    return { message, details };
  }
  return { message: String(error), details: [] };
}
