/**
 * The one base class every Verinet error extends. A short message a person can act on, optional
 * detail lines, and a literal `name` that callers can switch on. Topic folders add subclasses.
 */
export type BaseErrorParameters = {
  /** What went wrong and, where possible, what to do about it. */
  details?: string[] | undefined;
  /** Path under docs/ that explains this error. */
  docsPath?: string | undefined;
  cause?: unknown;
};

export class BaseError extends Error {
  override name = 'VerinetError';
  readonly shortMessage: string;
  readonly details: string[];
  readonly docsPath: string | undefined;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const details = parameters.details ?? [];
    const lines = [shortMessage, ...details.map((d) => `  ${d}`)];
    if (parameters.docsPath) lines.push(`  Docs: docs/${parameters.docsPath}`);
    super(lines.join('\n'), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.docsPath = parameters.docsPath;
  }
}
