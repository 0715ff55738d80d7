import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getRelayDomain, resultAvailableTypes } from '@verinet/protocol/relay';
import { type Address, type Hex, hashTypedData, keccak256, toHex } from 'viem';
import { getResultStatementDigest } from './getResultStatementDigest.js';

const word = (seed: string) => keccak256(toHex(seed));

describe('getResultStatementDigest', () => {
  it("equals viem's hashTypedData of the ResultAvailable statement, across chains, TaskManagers and tasks", () => {
    const managers: Address[] = [
      '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    ];
    for (const chainId of [1, 31337])
      for (const taskManager of managers)
        for (const n of [0, 1, 2]) {
          const taskKey: Hex = word(`task ${n}`);
          const resultHash: Hex = word(`result ${n}`);
          const expected = hashTypedData({
            domain: getRelayDomain({ chainId, taskManager }),
            types: resultAvailableTypes,
            primaryType: 'ResultAvailable',
            message: { taskKey, resultHash },
          });
          // Twice: the second call uses the kept domain separator.
          for (let i = 0; i < 2; i++)
            assert.equal(getResultStatementDigest({ chainId, taskManager, taskKey, resultHash }), expected);
        }
  });
});
