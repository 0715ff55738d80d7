import { nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain/abis';
import {
  type Address,
  decodeErrorResult,
  type Hex,
  HttpRequestError,
  NonceTooHighError,
  NonceTooLowError,
  TimeoutError,
  TransactionRejectedRpcError,
  BaseError as ViemBaseError,
  InsufficientFundsError as ViemInsufficientFundsError,
} from 'viem';
import {
  ChainRequestError,
  ChainUnreachableError,
  ContractRevertedError,
  InsufficientFundsError,
  VerinetError,
} from '../errors/index.js';

const errorAbi = [...taskManagerAbi, ...nodeRegistryAbi].filter((item) => item.type === 'error');

/** What to do about the contract errors an application meets. */
const hints: Record<string, string> = {
  FeeTooLow: 'Raise the fee to at least the chain minFee (the second value).',
  FeeTooHigh: 'Fees must be below 2^96 wei.',
  GpuRequiredForLlm: 'LLM tasks must name a GPU: pass requirements.gpu (a GPU name nodes registered with).',
  GpuPinnedImageTask: 'Image tasks run on any GPU: leave requirements.gpu unset for SD tasks.',
  NodeRegistryBucketTooSmall:
    'Too few nodes are registered with this GPU, version and VRAM for an exact-match (LLM) task: choose another GPU.',
  InvalidRelaySignature:
    "The relay's ArgsAvailable statement was refused: is the relay the chain's relaySigner?",
  RelayStatementExpired: 'The relay statement expired before createTask landed: the SDK uploads again.',
  TaskExists: 'This task key is already on chain (a previous attempt landed).',
  VrfKeyBoundThisBlock: 'A VRF key was already bound in this block: retry in the next block.',
};

/** The custom error of a reverted call or estimate, decoded with the contracts' ABIs. */
export function decodeRevert(error: unknown): { errorName: string; args: readonly unknown[] } | undefined {
  let data: Hex | undefined;
  if (error instanceof ViemBaseError) {
    error.walk((e) => {
      // ContractFunctionRevertedError keeps the revert bytes in `raw`; RPC errors in `data`.
      for (const d of [(e as { raw?: unknown }).raw, (e as { data?: unknown }).data]) {
        if (!data && typeof d === 'string' && /^0x[0-9a-fA-F]{8}/.test(d)) data = d as Hex;
      }
      return false;
    });
  }
  if (!data) {
    // Some RPCs (anvil among them) put the revert data only in the message.
    const text =
      error instanceof Error ? `${error.message} ${(error as { details?: string }).details ?? ''}` : '';
    const match = /custom error (0x[0-9a-fA-F]{8}):?\s*(?:0x)?([0-9a-fA-F]*)/.exec(text);
    if (match) data = `${match[1]}${match[2] ?? ''}` as Hex;
  }
  if (!data) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: errorAbi, data });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

/**
 * Reverts that a later block undoes: at most 64 tasks may wait for their draw per block (F1), so the same
 * createTask succeeds in the next block.
 */
const transientReverts = new Set(['DrawBacklogFull']);

/**
 * viem's short message for an RPC's refusal ("Transaction creation failed.") does not say why; the RPC's own
 * reason is in `details` ("replacement transaction underpriced", "nonce too low"). Two processes sending from one
 * account race for its nonce: the usual cause on a devnet shared by several CLI runs.
 */
function describeRpcRefusal(error: ViemBaseError): string {
  const reason = (error.details || error.shortMessage).trim().replace(/\.$/, '');
  const rejected = error.walk(
    (e) =>
      e instanceof TransactionRejectedRpcError ||
      e instanceof NonceTooLowError ||
      e instanceof NonceTooHighError,
  );
  if (!rejected) return `the chain RPC answered with an error (${reason})`;
  const nonceRace = /nonce too low|replacement transaction underpriced|already known|already imported/i.test(
    reason,
  );
  return `the chain RPC refused the transaction (${reason})${nonceRace ? ': another transaction from this account took its nonce (several processes sending from one account?)' : ''}`;
}

/**
 * Translates a raw viem/RPC failure into the SDK's typed errors at one place: a contract revert becomes
 * ContractRevertedError (not retryable), an RPC that does not answer ChainUnreachableError (retryable; names its URL and what to do), other RPC
 * failures ChainRequestError (retryable).
 */
export function toSdkError(error: unknown, functionName: string, account?: Address): VerinetError {
  if (error instanceof VerinetError) return error;
  const revert = decodeRevert(error);
  if (revert) {
    return new ContractRevertedError({
      functionName,
      ...revert,
      hint: hints[revert.errorName],
      retryable: transientReverts.has(revert.errorName),
      cause: error,
    });
  }
  if (error instanceof ViemBaseError) {
    const funds = error.walk((e) => e instanceof ViemInsufficientFundsError);
    if (funds) {
      return new InsufficientFundsError(account ?? '0x', functionName, error);
    }
    const network = error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) as
      | HttpRequestError
      | TimeoutError
      | null;
    // An HTTP status is an answer (a provider's rate limit, a proxy's 502): the endpoint is there.
    if (network instanceof HttpRequestError && network.status) {
      return new ChainRequestError(
        `${functionName}: the chain RPC answered HTTP ${network.status} (${error.shortMessage.replace(/\.$/, '')}).`,
        {
          details: ['The SDK retried before giving up: try again later, or use another RPC URL.'],
          retryable: true,
          cause: error,
        },
      );
    }
    // A timeout is a slow chain (an overloaded devnet, a busy provider), not a stopped one: "is it running?" misleads.
    if (network instanceof TimeoutError) {
      return new ChainRequestError(
        `${functionName}: the chain RPC did not answer in time: it is slow or overloaded (is the machine busy?); try again.`,
        { retryable: true, cause: error },
      );
    }
    if (network) {
      const refused =
        error.walk((e) => (e as { code?: unknown } | undefined)?.code === 'ECONNREFUSED') !== null;
      return new ChainUnreachableError({ url: network.url, step: functionName, cause: error, refused });
    }
    if (/execution reverted|revert/i.test(error.message)) {
      return new ContractRevertedError({ functionName, errorName: 'Reverted', args: [], cause: error });
    }
    return new ChainRequestError(`${functionName}: ${describeRpcRefusal(error)}`, {
      retryable: true,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ChainRequestError(`${functionName} failed: ${message}`, { retryable: true, cause: error });
}
