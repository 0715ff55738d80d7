import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildContracts } from './artifacts.js';
import { generatedAbisPath, renderAbis } from './generateAbis.js';

describe('generated ABIs', () => {
  it('match the compiled contracts (run `npm run generate:abis` after changing a contract)', () => {
    buildContracts();
    assert.equal(readFileSync(generatedAbisPath, 'utf8'), renderAbis());
  });
});
