import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildVrfFixture, serializeVrfFixture, vrfVectorsPath } from './generateFixtures.js';

describe('generateFixtures', () => {
  it('the committed contracts/test/vrf/fixtures/vrf-vectors.json is what the code produces', () => {
    const committed = readFileSync(vrfVectorsPath, 'utf8');
    assert.equal(
      committed,
      serializeVrfFixture(buildVrfFixture()),
      'regenerate: node --import tsx packages/protocol/src/vrf/generateFixtures.ts',
    );
  });
});
