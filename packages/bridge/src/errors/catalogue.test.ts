import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { bridgeErrors } from './catalogue.js';

test('docs/bridge.md lists every error code with its status and type, and no other', () => {
  const doc = readFileSync(new URL('../../../../docs/bridge.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `(\w+)` \| (\d{3}) \| `(\w+)` \|/gm)].map((m) => [
    m[1],
    Number(m[2]),
    m[3],
  ]);
  assert.deepEqual(
    rows,
    Object.entries(bridgeErrors).map(([code, e]) => [code, e.status, e.type]),
  );
  for (const [code, e] of Object.entries(bridgeErrors))
    if (
      ['invalid_value', 'missing_required_parameter', 'unsupported_parameter', 'unsupported_value'].includes(
        code,
      )
    )
      assert.equal(e.status, 400);
});
