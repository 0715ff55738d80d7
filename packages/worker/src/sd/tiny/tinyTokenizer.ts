import { endOfText, getByteAlphabet, startOfText } from '../tokenizer/index.js';

/** The merges of the tiny vocabulary, in rank order (a handful of words used by the tests). */
export const tinyMerges: readonly string[] = [
  'c a',
  'ca t</w>',
  'r e',
  're d</w>',
  'd o',
  'do g</w>',
  't h',
  'th e</w>',
  'e d</w>',
];

/**
 * A CLIP-layout vocabulary small enough for tests: the 256 byte characters, the same with `</w>`, one token
 * per merge, then `<|startoftext|>` and `<|endoftext|>` (ids 0-255, 256-511, 512+, as CLIP orders them).
 *
 * @example
 * const { vocab, merges } = createTinyClipVocabulary(); // vocab['a</w>'] === 320
 */
export function createTinyClipVocabulary(): { vocab: Record<string, number>; merges: string[] } {
  const alphabet = getByteAlphabet();
  const tokens = [
    ...alphabet,
    ...alphabet.map((c) => `${c}</w>`),
    ...tinyMerges.map((m) => m.replace(' ', '')),
    startOfText,
    endOfText,
  ];
  const vocab: Record<string, number> = {};
  tokens.forEach((token, id) => {
    vocab[token] = id;
  });
  return { vocab, merges: ['#version: 0.2', ...tinyMerges] };
}
