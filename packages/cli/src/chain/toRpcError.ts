import { HttpRequestError, InsufficientFundsError, TimeoutError, BaseError as ViemBaseError } from 'viem';
import { CommandError } from '../cli/errors.js';

/**
 * Translates what viem throws when talking to a node into one actionable error; viem's own messages carry
 * the whole request (for a deployment, the contract bytecode: ~90 lines).
 *
 * @example
 * await client.getChainId().catch((error) => { throw toRpcError(error, rpcUrl); });
 */
export function toRpcError(error: unknown, rpcUrl: string): unknown {
  if (!(error instanceof ViemBaseError)) return error;
  const networkCode = findCode(error);
  if (error instanceof TimeoutError) {
    return new CommandError(`The RPC at ${rpcUrl} did not answer in time.`, {
      details: ['Check that the node is up and not overloaded, then retry.'],
      cause: error,
    });
  }
  if (error instanceof HttpRequestError || networkCode) {
    const status = error instanceof HttpRequestError && error.status ? `HTTP ${error.status}` : undefined;
    return new CommandError(
      `Cannot reach the RPC at ${rpcUrl} (${status ?? networkCode ?? error.shortMessage}).`,
      { details: ['Check the URL and that the node is running.'], cause: error },
    );
  }
  if (error.walk((inner) => inner instanceof InsufficientFundsError)) {
    return new CommandError('The account cannot pay for the transaction (insufficient funds).', {
      details: ['Fund the account, then run the command again.'],
      cause: error,
    });
  }
  return new CommandError(`The chain at ${rpcUrl} refused the request: ${error.shortMessage}`, {
    details: ['Run again with --verbose for the full request.'],
    cause: error,
  });
}

function findCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 10; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
