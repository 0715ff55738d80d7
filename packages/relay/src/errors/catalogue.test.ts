import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { relayErrors } from './catalogue.js';

describe('error catalogue', () => {
  it('matches the table in docs/relay-api.md', () => {
    const doc = readFileSync(new URL('../../../../docs/relay-api.md', import.meta.url), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (yes|no) \|/gm)].map((m) => [
        m[1]!,
        { status: Number(m[2]), retry: m[3] === 'yes' },
      ]),
    );
    for (const [code, error] of Object.entries(relayErrors)) {
      assert.deepEqual(rows.get(code), { status: error.status, retry: error.retry }, code);
    }
    assert.equal(
      rows.size,
      Object.keys(relayErrors).length,
      'no documented code is missing from the catalogue',
    );
  });
});
