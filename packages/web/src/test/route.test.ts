import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeOf } from '../../ui/lib/route.js';

test('an unknown #/ page is "not-found", not silently the Images page', () => {
  assert.equal(routeOf('#/staking', 'chat'), 'not-found');
  assert.equal(routeOf('#/Chat', 'generate'), 'not-found');
});

test('known pages, the empty hash, and hashes that name no page', () => {
  assert.equal(routeOf('#/chat', 'generate'), 'chat');
  assert.equal(routeOf('#/calculator?x=1', 'generate'), 'calculator');
  assert.equal(routeOf('', 'chat'), 'generate');
  assert.equal(routeOf('#/', 'chat'), 'generate');
  // The skip link (#main) and the devnet's #key= link are not pages: the current one stays.
  assert.equal(routeOf('#main', 'explorer'), 'explorer');
  assert.equal(routeOf('#key=abc', 'generate'), 'generate');
});
