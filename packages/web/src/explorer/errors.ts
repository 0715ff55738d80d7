/** The explorer's indexer did not start or stopped unexpectedly; `detail` holds the tail of its log. */
export class ExplorerIndexerError extends Error {
  override name = 'ExplorerIndexerError' as const;
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(detail ? `${message}\n${detail}` : message);
  }
}
