import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeControlCharacters } from './escapeControlCharacters.js';

test('control characters and bidi overrides are shown as escapes; text, newlines and tabs stay', () => {
  assert.equal(escapeControlCharacters('héllo 世界\n\tok'), 'héllo 世界\n\tok');
  assert.equal(escapeControlCharacters('a\x1b[2Jb\x07\r\x00'), 'a\\x1b[2Jb\\x07\\x0d\\x00');
  assert.equal(escapeControlCharacters('\x7f\x9b'), '\\x7f\\x9b');
  assert.equal(escapeControlCharacters('abc\u202edcba'), 'abc\\u202edcba');
});
