import { getRelayDomain, resultAvailableTypes } from '@verinet/protocol/relay';
import { type Address, concat, type Hex, hashDomain, keccak256, toHex } from 'viem';

/** `ResultAvailable(bytes32 taskKey,bytes32 resultHash)`: one struct, no nested types. */
const resultAvailableTypeHash = keccak256(
  toHex(
    `ResultAvailable(${resultAvailableTypes.ResultAvailable.map((field) => `${field.type} ${field.name}`).join(',')})`,
  ),
);
/** Domain separators by chain id and TaskManager: a deployment's is the same for every statement. */
const domainSeparators = new Map<string, Hex>();

/**
 * The EIP-712 digest of the relay's `ResultAvailable(taskKey, resultHash)` statement: what `hashTypedData` gives,
 * with the domain separator and the type hash computed once instead of at every task (five keccak hashes and a
 * validation of the whole typed data per call, in JavaScript, on every node's path). Both fields are bytes32, so
 * the struct is their plain concatenation after the type hash.
 *
 * @example
 * const digest = getResultStatementDigest({ chainId: 31337, taskManager, taskKey, resultHash });
 */
export function getResultStatementDigest(parameters: {
  chainId: number;
  taskManager: Address;
  taskKey: Hex;
  resultHash: Hex;
}): Hex {
  const { chainId, taskManager } = parameters;
  const domainKey = `${chainId}:${taskManager.toLowerCase()}`;
  let separator = domainSeparators.get(domainKey);
  if (!separator) {
    separator = hashDomain({
      domain: { ...getRelayDomain({ chainId, taskManager }), chainId: BigInt(chainId) },
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' },
          { name: 'verifyingContract', type: 'address' },
        ],
      },
    });
    domainSeparators.set(domainKey, separator);
  }
  const structHash = keccak256(concat([resultAvailableTypeHash, parameters.taskKey, parameters.resultHash]));
  return keccak256(concat(['0x1901', separator, structHash]));
}
