import { BaseError } from '@verinet/protocol';

/** The command line itself is wrong: an unknown option, a missing or malformed value. */
export class UsageError extends BaseError {
  override name = 'UsageError' as const;
}

/** A command could not do its job for a reason the user can act on (a file, a chain, a server). */
export class CommandError extends BaseError {
  override name = 'CommandError' as const;
}

/**
 * A sub-command that prints its own messages (e.g. `verinet node`, which `packages/node` implements) ended
 * with a non-zero exit code: `runCli` returns the code and prints nothing more.
 */
export class ExitCodeError extends Error {
  override name = 'ExitCodeError' as const;
  constructor(readonly exitCode: number) {
    super(`exit code ${exitCode}`);
  }
}
