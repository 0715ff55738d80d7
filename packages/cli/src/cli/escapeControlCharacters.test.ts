import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeControlCharacters } from './escapeControlCharacters.js';
import { output } from './output.js';
import { printJson } from './printJson.js';

test('control characters and bidi overrides are shown as escapes; text, newlines and tabs stay', () => {
  assert.equal(escapeControlCharacters('héllo 世界\n\tok'), 'héllo 世界\n\tok');
  assert.equal(escapeControlCharacters('a\x1b[2Jb\x07\r\x00'), 'a\\x1b[2Jb\\x07\\x0d\\x00');
  assert.equal(escapeControlCharacters('\x7f\x9b'), '\\x7f\\x9b');
  assert.equal(escapeControlCharacters('abc\u202edcba'), 'abc\\u202edcba');
});

test('--json output escapes what JSON.stringify leaves raw (DEL, C1 controls, bidi), as the same JSON value', () => {
  const text = 'a\x1b[2J\x7f\x9b[31m\u202eb';
  let printed = '';
  const saved = output.stdout;
  output.stdout = (chunk) => {
    printed += chunk;
  };
  try {
    printJson({ text, fee: 5n });
  } finally {
    output.stdout = saved;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  assert.doesNotMatch(printed, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
  assert.deepEqual(JSON.parse(printed), { text, fee: '5' });
});
