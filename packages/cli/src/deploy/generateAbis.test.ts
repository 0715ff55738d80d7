import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildContracts, contractsNeedBuild } from './artifacts.js';
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
