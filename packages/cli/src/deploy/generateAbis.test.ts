import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildContracts, ContractArtifactError, contractsNeedBuild } from './artifacts.js';
import { getConstructorArgs } from './deployContracts.js';
import { generatedAbisPath, renderAbis } from './generateAbis.js';

describe('generated ABIs', () => {
  it('match the compiled contracts (run `npm run generate:abis` after changing a contract)', () => {
    buildContracts();
    assert.equal(readFileSync(generatedAbisPath, 'utf8'), renderAbis());
  });

  it('say no build is due right after a build (devnet prints "Compiling contracts" only when one is)', () => {
    buildContracts();
    assert.equal(contractsNeedBuild(), false);
  });
});

describe('constructor arguments', () => {
  const owner = '0x00000000000000000000000000000000000000aa';
  it('refuse a NodeRegistry without the TaskManager it binds for good (review s8 finding 8: was the owner)', () => {
    assert.throws(
      () => getConstructorArgs('NodeRegistry', { owner, incentivePool: owner }),
      (error: unknown) => error instanceof ContractArtifactError && /taskManager address/.test(error.message),
    );
    assert.deepEqual(
      getConstructorArgs('NodeRegistry', { owner, incentivePool: owner, taskManager: owner, minStake: 1n }),
      [owner, owner, owner, 1n],
    );
  });
});
