import { BaseError } from '@verinet/protocol/errors';

/** A line on the protocol channel that is not valid JSON or not a valid message. */
export class WorkerProtocolError extends BaseError {
  override name = 'WorkerProtocolError' as const;
  /** The offending line, cut to 200 characters. */
  readonly line: string;

  constructor(reason: string, line: string, cause?: unknown) {
    const excerpt = line.length > 200 ? `${line.slice(0, 200)}…` : line;
    super(`Malformed worker protocol message: ${reason}`, {
      details: [
        `Line: ${JSON.stringify(excerpt)}`,
        'The worker must write only protocol messages to stdout (one JSON per line) and its logs to stderr.',
      ],
      docsPath: 'worker-protocol.md',
      cause,
    });
    this.line = excerpt;
  }
}
