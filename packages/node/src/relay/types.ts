import type { Address, Hex } from 'viem';

export type TaskArgsDownload = {
  /** The argument bytes exactly as the app uploaded them (checked against the on-chain commitment). */
  bytes: Uint8Array;
  /** The per-task salt of the args commitment. */
  salt: Hex;
};

export type ResultUpload = {
  taskKey: Hex;
  /** The score the node will submit (0x hex); the relay recomputes it from the files and refuses a mismatch. */
  score: Hex;
  files: { name: string; mediaType: string; path: string; size: number; sha256: string }[];
};

/** The relay's EIP-712 `ResultAvailable(taskKey, resultHash)` statement (docs/relay-api.md, "Statements"). */
export type ResultStatement = {
  /** The relay key that signed (the chain's `relaySigner` when one is set). */
  signer: Address;
  taskKey: Hex;
  /** keccak256(score bytes). */
  resultHash: Hex;
  /** 65 bytes r ‖ s ‖ v. */
  signature: Hex;
};

/**
 * What the node needs from the relay. The daemon only ever talks to the relay through this, so the HTTP
 * client (signed requests, packages/relay) plugs in without touching the task state machine.
 * Implementations throw RelayError (`retryable` says whether trying later may help).
 */
export type RelayClient = {
  fetchTaskArgs: (taskKey: Hex) => Promise<TaskArgsDownload>;
  /** Uploads and commits the result; resolves with the relay's `ResultAvailable` statement. */
  uploadResult: (upload: ResultUpload) => Promise<ResultStatement>;
};
