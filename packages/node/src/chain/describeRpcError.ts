/** One short line for an RPC failure, for logs and the dashboard (viem errors are many lines long). */
export function describeRpcError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const short = (error as { shortMessage?: string }).shortMessage ?? error.message;
  const details = (error as { details?: string }).details;
  const line = details && !short.includes(details) ? `${short} (${details})` : short;
  return line.split('\n')[0]!.slice(0, 300);
}
