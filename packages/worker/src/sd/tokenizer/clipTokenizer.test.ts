import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createTinyClipVocabulary } from '../tiny/tinyTokenizer.js';
import {
  createClipTokenizer,
  endOfText,
  getByteToUnicode,
  loadClipTokenizer,
  normalizeClipText,
  startOfText,
} from './index.js';

// Ids of the tiny vocabulary, worked out by hand: printable bytes '!'..'~' are ids 0..93 in byte order,
// a token with </w> is its byte id + 256, merges get 512.. in rank order, then start 521 and end 522.
const id = {
  start: 521,
  end: 522,
  'a</w>': 97 - 33 + 256,
  'red</w>': 515,
  'cat</w>': 513,
  'dog</w>': 517,
  'the</w>': 519,
  'ed</w>': 520,
  b: 98 - 33,
  "'": 39 - 33,
  's</w>': 115 - 33 + 256,
  '!': 0,
  '!</w>': 256,
  '4</w>': 52 - 33 + 256,
  '2</w>': 50 - 33 + 256,
};

const tiny = createTinyClipVocabulary();
const tokenizer = createClipTokenizer({ vocab: tiny.vocab, merges: tiny.merges });

describe('CLIP tokenizer', () => {
  it('maps bytes like GPT-2/CLIP (space is U+0120)', () => {
    const map = getByteToUnicode();
    assert.equal(map[32], '\u0120');
    assert.equal(map[97], 'a');
    assert.equal(map[0], '\u0100');
  });

  it('merges by rank with the </w> suffix on the last symbol', () => {
    assert.deepEqual(tokenizer.tokenize('a red cat'), ['a</w>', 'red</w>', 'cat</w>']);
    // "bed": (b, e, d</w>): only "e d</w>" is ranked, leaving b + ed</w>.
    assert.deepEqual(tokenizer.tokenize('bed'), ['b', 'ed</w>']);
    // "red": "r e" (rank 2) wins over "e d</w>" (rank 8), then "re d</w>".
    assert.deepEqual(tokenizer.tokenize('red'), ['red</w>']);
  });

  it('splits contractions, digits and punctuation and lower-cases', () => {
    assert.deepEqual(tokenizer.tokenize("  The  Cat's\tDOG!! 42 "), [
      'the</w>',
      'cat</w>',
      "'",
      's</w>',
      'dog</w>',
      '!',
      '!</w>',
      '4</w>',
      '2</w>',
    ]);
  });

  it('encodes to 77 ids with start, end and end-of-text padding', () => {
    const ids = tokenizer.encode('A red cat, the dog!');
    assert.equal(ids.length, 77);
    const comma = 44 - 33 + 256;
    assert.deepEqual(tokenizer.tokenize('A red cat, the dog!'), [
      'a</w>',
      'red</w>',
      'cat</w>',
      ',</w>',
      'the</w>',
      'dog</w>',
      '!</w>',
    ]);
    assert.deepEqual(ids.slice(0, 9), [
      id.start,
      id['a</w>'],
      id['red</w>'],
      id['cat</w>'],
      comma,
      id['the</w>'],
      id['dog</w>'],
      id['!</w>'],
      id.end,
    ]);
    assert.ok(ids.slice(9).every((v) => v === id.end));
  });

  it('truncates to 75 body tokens and keeps the end token', () => {
    const ids = tokenizer.encode(Array.from({ length: 100 }, () => 'cat').join(' '));
    assert.equal(ids.length, 77);
    assert.equal(ids[75], id['cat</w>']);
    assert.equal(ids[76], id.end);
  });

  it('encodes the empty prompt as start, end, padding', () => {
    assert.deepEqual(tokenizer.encode('').slice(0, 3), [id.start, id.end, id.end]);
  });

  it('uses a configured pad token and maps unknown pieces to end-of-text', () => {
    const padded = createClipTokenizer({ vocab: tiny.vocab, merges: tiny.merges, padToken: '!' });
    // Letters and digits are separate pieces, so 'b' is a whole word: b</w>.
    assert.deepEqual(padded.encode('b4').slice(0, 5), [id.start, id.b + 256, id['4</w>'], id.end, id['!']]);
    const small = createClipTokenizer({ vocab: { '<|startoftext|>': 0, '<|endoftext|>': 1 }, merges: [] });
    assert.deepEqual(small.encode('zz').slice(0, 4), [0, 1, 1, 1]);
  });

  it('normalizes whitespace, control characters and CJK like the reference', () => {
    assert.equal(normalizeClipText(' A\u0007b\n\nC猫狗 '), 'ab c 猫 狗');
  });

  it('drops every Unicode category C* as the reference BasicTokenizer does', () => {
    // Private use (Co): BMP, plane 15 and plane 16.
    assert.equal(normalizeClipText('a\uE000b\uF8FFc\u{F0000}d\u{10FFFD}e'), 'abcde');
    // Unassigned (Cn), including noncharacters: U+0378, U+FFFF, U+E0080 and U+10FFFF.
    assert.equal(normalizeClipText('a\u0378b\uFFFFc\u{E0080}d\u{10FFFF}e'), 'abcde');
    // Lone surrogates (Cs), format (Cf: zero-width space, BOM, soft hyphen) and U+FFFD.
    assert.equal(normalizeClipText('a\uD800b\uDC00c\u200Bd\uFEFFe\u00ADf\uFFFDg'), 'abcdefg');
    // Cleaning runs before NFC: without the zero-width space, e + combining acute composes to é.
    assert.equal(normalizeClipText('e\u200B\u0301'), '\u00E9');
    // A private-use character does not split a word, and pieces tokenize as if it were absent.
    assert.deepEqual(tokenizer.tokenize('ca\uE000t'), tokenizer.tokenize('cat'));
    assert.deepEqual(tokenizer.encode('re\u{F0000}d \u0378cat'), tokenizer.encode('red cat'));
  });

  it('loads vocab.json, merges.txt and special_tokens_map.json from a folder', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'clip-tokenizer-'));
    try {
      await writeFile(join(folder, 'vocab.json'), JSON.stringify(tiny.vocab));
      await writeFile(join(folder, 'merges.txt'), tiny.merges.join('\n'));
      await writeFile(
        join(folder, 'special_tokens_map.json'),
        JSON.stringify({ pad_token: { content: '!' } }),
      );
      const loaded = await loadClipTokenizer({ folder, model: 'tiny' });
      assert.equal(loaded.encode('cat')[3], id['!']);
      await rm(join(folder, 'merges.txt'));
      await assert.rejects(loadClipTokenizer({ folder, model: 'tiny' }), { name: 'SdModelNotFoundError' });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('CLIP tokenizer against Hugging Face (transformers.js CLIPTokenizer)', () => {
  // The tokenizer.json layout of openai/clip-vit-large-patch14, over the tiny vocabulary: an independent
  // BPE implementation to compare ids with.
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [startOfText, endOfText].map((content) => ({
      id: tiny.vocab[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: {
            Regex:
              "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [endOfText, tiny.vocab[endOfText]],
      cls: [startOfText, tiny.vocab[startOfText]],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: endOfText,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab: tiny.vocab,
      merges: tiny.merges.slice(1),
    },
  };
  const tokenizerConfig = {
    model_max_length: 77,
    bos_token: startOfText,
    eos_token: endOfText,
    pad_token: endOfText,
    unk_token: endOfText,
    do_lower_case: true,
  };

  // Texts stay under 75 tokens: transformers.js truncates after adding the special tokens (dropping the end
  // token), where Python's CLIPTokenizer, which diffusers uses, keeps it; the truncation test above covers it.
  it('produces the same 77 ids on mixed text', async () => {
    const { CLIPTokenizer } = await import('@huggingface/transformers');
    const reference = new CLIPTokenizer(tokenizerJson, tokenizerConfig);
    const texts = [
      'a red cat, the dog!',
      "  The  Cat's\tDOG!! 42 ",
      'bed redder cathedral catcat',
      'Ünïcödé café naïve ÆØÅ',
      "don't YOU'LL we've 3.14e10",
      'hello---world... (c) [x] {y} <z>',
      'emoji 🐱 test 😀😀',
      'x'.repeat(30),
      Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 'cat' : 'the')).join(' '),
      '',
    ];
    for (const text of texts) {
      const expected = reference(text, {
        padding: 'max_length',
        max_length: 77,
        truncation: true,
        return_tensor: false,
      }).input_ids as unknown as number[];
      assert.deepEqual(tokenizer.encode(text), expected, JSON.stringify(text));
    }
  });
});
