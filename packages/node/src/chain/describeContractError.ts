import { nodeRegistryAbi, taskManagerAbi } from '@verinet/protocol/chain';
import { decodeErrorResult, type Hex, BaseError as ViemBaseError } from 'viem';
import { describeRpcError } from './describeRpcError.js';

const errorAbi = [...taskManagerAbi, ...nodeRegistryAbi].filter((item) => item.type === 'error');

/**
 * The contracts' custom error behind a failed call, by name with its arguments (e.g.
 * `NodeRegistryNotRegistered(0x3C44…)`), or the RPC's own words when there is none. Some RPCs (anvil among
 * them) put the revert data only in the message, so both the error's data and its text are searched.
 */
export function describeContractError(error: unknown): string {
  let data: Hex | undefined;
  if (error instanceof ViemBaseError) {
    error.walk((e) => {
      const d = (e as { data?: unknown }).data;
      if (typeof d === 'string' && /^0x[0-9a-fA-F]{8}/.test(d)) data = d as Hex;
      return false;
    });
  }
  if (!data) {
    const match = /custom error (0x[0-9a-fA-F]{8}):?\s*(?:0x)?([0-9a-fA-F]*)/.exec(
      error instanceof Error
        ? `${error.message} ${(error as { details?: string }).details ?? ''}`
        : String(error),
    );
    if (match) data = `${match[1]}${match[2] ?? ''}` as Hex;
  }
  if (data) {
    try {
      const decoded = decodeErrorResult({ abi: errorAbi, data });
      const args = (decoded.args ?? []).map((a) => String(a)).join(', ');
      return `${decoded.errorName}(${args})`;
    } catch {
      // not one of ours
    }
  }
  return describeRpcError(error);
}
