import {
  argsAvailableTypes,
  getArgsAvailableDigest,
  getResultAvailableDigest,
  getResultHash,
  resultAvailableTypes,
} from '@verinet/protocol/relay';
import { type Address, type Hex, hexToBytes } from 'viem';
import type { ArgsRecord } from '../storage/types.js';
import type { RelayContext } from './context.js';

export type ArgsAvailableStatement = {
  type: 'ArgsAvailable';
  signer: Address;
  creator: Address;
  argsCommitment: Hex;
  expiry: number;
  signature: Hex;
};

export type ResultAvailableStatement = {
  type: 'ResultAvailable';
  signer: Address;
  taskKey: Hex;
  resultHash: Hex;
  signature: Hex;
};

/**
 * Signs `ArgsAvailable(creator, argsCommitment, expiry)` for arguments the relay holds (called only after the
 * upload is durably stored, with the expiry the row carries: a retried upload moves it forward first).
 */
export async function signArgsAvailable(
  context: RelayContext,
  record: ArgsRecord,
): Promise<ArgsAvailableStatement> {
  const message = {
    creator: record.creator,
    argsCommitment: record.argsCommitment,
    expiry: BigInt(record.expiry),
  };
  const { signer } = context;
  // The digest computed directly (getArgsAvailableDigest, equal to hashTypedData's): the same signature for a
  // fraction of the CPU. A signer without `sign` (none the relay builds today) signs the typed data itself.
  const signature = signer.sign
    ? await signer.sign({ hash: getArgsAvailableDigest(context.domain, message) })
    : await signer.signTypedData({
        domain: context.domain,
        types: argsAvailableTypes,
        primaryType: 'ArgsAvailable',
        message,
      });
  context.metrics.statements.inc({ type: 'ArgsAvailable' });
  return {
    type: 'ArgsAvailable',
    signer: context.signer.address,
    creator: record.creator,
    argsCommitment: record.argsCommitment,
    expiry: record.expiry,
    signature,
  };
}

/** Signs `ResultAvailable(taskKey, keccak256(score))` for a committed result (files held, score recomputed). */
export async function signResultAvailable(
  context: RelayContext,
  taskKey: Hex,
  score: Hex,
): Promise<ResultAvailableStatement> {
  const resultHash = getResultHash(hexToBytes(score));
  const { signer } = context;
  const signature = signer.sign
    ? await signer.sign({ hash: getResultAvailableDigest(context.domain, { taskKey, resultHash }) })
    : await signer.signTypedData({
        domain: context.domain,
        types: resultAvailableTypes,
        primaryType: 'ResultAvailable',
        message: { taskKey, resultHash },
      });
  context.metrics.statements.inc({ type: 'ResultAvailable' });
  return { type: 'ResultAvailable', signer: context.signer.address, taskKey, resultHash, signature };
}
