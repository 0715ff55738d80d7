/**
 * Test helper: the `createTask` parameters of a bare task: an LLM task of a made-up model with made-up argument
 * commitments and no relay statement, which queues on a chain whose TaskManager has no relay signer (no node holds
 * the model). Tests of what a chain rewind does to a task (SDK nonces, the CLI's LOST / REOPENED / BEHIND) create
 * it and take the chain back under it.
 */
import { type Hex, keccak256, toHex, zeroHash } from 'viem';

/**
 * @example
 * await wallet.writeContract({ ...taskManager, functionName: 'createTask', args: [getBareTaskParameters(key)], value: minFee });
 */
export function getBareTaskParameters(taskKey: Hex) {
  return {
    taskType: 0,
    modelIds: [keccak256(toHex('model'))],
    minVram: 8,
    requiredGpu: zeroHash,
    version: 0n,
    taskSize: 1n,
    taskIdCommitment: taskKey,
    argsCommitment: keccak256(toHex('args')),
    relayExpiry: 0n,
    relaySignature: '0x' as Hex,
  } as const;
}
