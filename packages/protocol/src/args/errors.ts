import { BaseError } from '../errors/index.js';

/**
 * Why task arguments were refused: `invalid` (they break the schema) or `unsupported` (well formed, but this
 * worker version does not implement the field or value).
 */
export type InvalidTaskArgsKind = 'invalid' | 'unsupported';

/** One problem found in task arguments: the dotted path of the field and a reason a person can act on. */
export type TaskArgsIssue = {
  /** Dotted path such as `task_config.steps` or `messages.0.content`; empty for the document itself. */
  field: string;
  reason: string;
  kind: InvalidTaskArgsKind;
};

export type InvalidTaskArgsErrorType = InvalidTaskArgsError & { name: 'InvalidTaskArgsError' };

/**
 * The task arguments themselves are wrong. This is the ONLY error a node may report on chain: every honest
 * node running the same worker version reaches the same verdict on the same bytes, so a validation group
 * agrees on it. Download failures, out-of-memory and crashes are never reported; the task times out instead.
 */
export class InvalidTaskArgsError extends BaseError {
  override name = 'InvalidTaskArgsError' as const;
  /** Dotted path of the first offending field (`task_config.steps`); empty when the whole document is bad. */
  readonly field: string;
  readonly reason: string;
  readonly kind: InvalidTaskArgsKind;
  /** Every problem found, the first one being `field`/`reason`/`kind`. */
  readonly issues: readonly TaskArgsIssue[];

  constructor(issues: readonly [TaskArgsIssue, ...TaskArgsIssue[]], { cause }: { cause?: unknown } = {}) {
    const [first] = issues;
    const where = first.field === '' ? 'task arguments' : `task argument \`${first.field}\``;
    super(
      first.kind === 'unsupported'
        ? `${where} not supported by this worker version: ${first.reason}`
        : `Invalid ${where}: ${first.reason}`,
      {
        details: issues
          .slice(1)
          .map(
            (i) =>
              `${i.kind === 'unsupported' ? 'unsupported' : 'invalid'} ${i.field || '(root)'}: ${i.reason}`,
          ),
        docsPath: 'task-args.md',
        cause,
      },
    );
    this.field = first.field;
    this.reason = first.reason;
    this.kind = first.kind;
    this.issues = issues;
  }
}

export type InvalidVersionErrorType = InvalidVersionError & { name: 'InvalidVersionError' };

/** A version string is not `major.minor.patch` within the on-chain bounds. */
export class InvalidVersionError extends BaseError {
  override name = 'InvalidVersionError' as const;
  constructor(version: unknown, reason: string) {
    super(`Invalid version ${JSON.stringify(String(version))}: ${reason}`, {
      details: [
        'Use major.minor.patch, decimal without leading zeros; major < 2^32, minor and patch < 2^16.',
      ],
      docsPath: 'task-args.md',
    });
  }
}

export type InvalidModelIdErrorType = InvalidModelIdError & { name: 'InvalidModelIdError' };

/** A model id string does not follow `base:<id>[+variant]`, `lora:<id-or-url>` or `controlnet:<id>[+variant]`. */
export class InvalidModelIdError extends BaseError {
  override name = 'InvalidModelIdError' as const;
  constructor(modelId: string, reason: string) {
    super(`Invalid model id ${JSON.stringify(modelId)}: ${reason}`, {
      details: [
        'Model ids look like base:<hub-id>[+variant], lora:<hub-id-or-url>, controlnet:<hub-id>[+variant].',
      ],
      docsPath: 'task-args.md',
    });
  }
}

export type CanonicalJsonErrorType = CanonicalJsonError & { name: 'CanonicalJsonError' };

/** A value cannot be written as RFC 8785 canonical JSON (NaN, bigint, lone surrogate, class instance…). */
export class CanonicalJsonError extends BaseError {
  override name = 'CanonicalJsonError' as const;
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`Cannot canonicalize ${path === '' ? 'value' : `\`${path}\``}: ${reason}`, {
      details: [
        'Task arguments must be plain JSON: objects, arrays, strings, finite numbers, booleans, null.',
      ],
      docsPath: 'task-args.md',
    });
    this.path = path;
  }
}
