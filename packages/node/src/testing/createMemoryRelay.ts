import { readFile } from 'node:fs/promises';
import { getResultHash } from '@verinet/protocol/relay';
import { type Hex, hexToBytes, zeroAddress } from 'viem';
import { RelayError } from '../errors/index.js';
import type { RelayClient, ResultUpload } from '../relay/types.js';

/**
 * TEST SEAM ONLY: an in-process stand-in for the relay (packages/relay), serving argument bytes put in by
 * the test and keeping uploaded results. Replace with the real relay client in tests once it lands.
 */
export type MemoryRelay = RelayClient & {
  putArgs: (taskKey: Hex, bytes: Uint8Array, salt: Hex) => void;
  results: Map<string, { score: Hex; files: Map<string, Buffer> }>;
  /** `down`: every call fails as a network error would. */
  mode: 'up' | 'down';
  calls: { fetchTaskArgs: number; uploadResult: number };
};

export function createMemoryRelay(): MemoryRelay {
  const args = new Map<string, { bytes: Uint8Array; salt: Hex }>();
  const relay: MemoryRelay = {
    mode: 'up',
    results: new Map(),
    calls: { fetchTaskArgs: 0, uploadResult: 0 },
    putArgs(taskKey, bytes, salt) {
      args.set(taskKey.toLowerCase(), { bytes, salt });
    },
    async fetchTaskArgs(taskKey) {
      relay.calls.fetchTaskArgs++;
      if (relay.mode === 'down')
        throw new RelayError('relay unreachable (connection refused)', { retryable: true });
      const found = args.get(taskKey.toLowerCase());
      if (!found) throw new RelayError(`relay has no arguments for task ${taskKey}`, { retryable: true });
      return found;
    },
    async uploadResult(upload: ResultUpload) {
      relay.calls.uploadResult++;
      if (relay.mode === 'down')
        throw new RelayError('relay unreachable (connection refused)', { retryable: true });
      const files = new Map<string, Buffer>();
      for (const file of upload.files) files.set(file.name, await readFile(file.path));
      relay.results.set(upload.taskKey.toLowerCase(), { score: upload.score, files });
      // No relay signer on the test chains: an empty statement, as submitScore takes then.
      return {
        signer: zeroAddress,
        taskKey: upload.taskKey,
        resultHash: getResultHash(hexToBytes(upload.score)),
        signature: '0x',
      };
    },
  };
  return relay;
}
