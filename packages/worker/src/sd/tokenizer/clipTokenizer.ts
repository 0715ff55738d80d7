import { getByteToUnicode } from './byteUnicode.js';

export const startOfText = '<|startoftext|>';
export const endOfText = '<|endoftext|>';

export type ClipTokenizerParameters = {
  /** token -> id, the contents of vocab.json. */
  vocab: Record<string, number>;
  /** merges.txt lines "a b" in rank order (a `#version` header line is skipped). */
  merges: readonly string[];
  /** Sequence length including start and end tokens (77 for Stable Diffusion). */
  maxLength?: number | undefined;
  /** Padding token; `<|endoftext|>` for SD 1.x, `!` for SD 2.x (from special_tokens_map.json). */
  padToken?: string | undefined;
};

export type ClipTokenizer = {
  /** BPE tokens of a text, without start/end tokens and without truncation. */
  tokenize(text: string): string[];
  /** `[start, …tokens (truncated to maxLength − 2), end, pad…]`, always exactly maxLength ids. */
  encode(text: string): number[];
  readonly maxLength: number;
};

// The pattern of CLIP's reference tokenizer: special tokens, English contractions, letter runs, single
// digits, runs of other non-space characters.
const tokenPattern =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;
// CJK ideographs are spaced apart before splitting, as the BasicTokenizer of Hugging Face's CLIPTokenizer does.
const cjkPattern =
  /([\u{4E00}-\u{9FFF}\u{3400}-\u{4DBF}\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\u{F900}-\u{FAFF}\u{2F800}-\u{2FA1F}])/gu;

/**
 * The cleaning of Hugging Face's slow CLIPTokenizer without ftfy (its BasicTokenizer), which diffusers
 * pipelines use, in its order: every character of a Unicode category C* removed (Cc control, Cf format, Co
 * private use, Cn unassigned, Cs lone surrogates; tab, newline and return become spaces) together with
 * U+FFFD, CJK ideographs spaced, then NFC, whitespace collapsed, lower case. Cleaning before NFC matters: a
 * removed format character between a letter and a combining mark blocks composition only if NFC runs first.
 * Which code points are unassigned (Cn) follows the Unicode version of the runtime's ICU, as `\p{L}` in the
 * token pattern does. (The fast tokenizer keeps format characters such as U+200D.)
 */
export function normalizeClipText(text: string): string {
  return text
    .replace(/[\p{C}\uFFFD]/gu, (c) => (c === '\t' || c === '\n' || c === '\r' ? ' ' : ''))
    .replace(cjkPattern, ' $1 ')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * Creates a CLIP byte-level BPE tokenizer (the one Stable Diffusion's text encoder was trained with): a
 * word's last symbol carries the `</w>` suffix, the lowest-ranked adjacent pair is merged until no
 * ranked pair remains, unknown pieces become `<|endoftext|>`.
 *
 * @example
 * const tokenizer = createClipTokenizer({ vocab, merges });
 * tokenizer.encode('a red cat'); // 77 ids: start, a</w>, red</w>, cat</w>, end, padding
 */
export function createClipTokenizer({
  vocab,
  merges,
  maxLength = 77,
  padToken = endOfText,
}: ClipTokenizerParameters): ClipTokenizer {
  const byteToUnicode = getByteToUnicode();
  const encoder = new TextEncoder();
  const ranks = new Map<string, number>();
  let rank = 0;
  for (const line of merges) {
    if (line.startsWith('#version') || line.trim() === '') continue;
    const parts = line.split(' ');
    if (parts.length !== 2)
      throw new RangeError(`merges line "${line}" is not two symbols separated by a space`);
    ranks.set(`${parts[0]} ${parts[1]}`, rank++);
  }
  const idOf = (token: string): number | undefined =>
    Object.hasOwn(vocab, token) ? vocab[token] : undefined;
  const required = (token: string): number => {
    const id = idOf(token);
    if (id === undefined) throw new RangeError(`the vocabulary has no "${token}" token`);
    return id;
  };
  const startId = required(startOfText);
  const endId = required(endOfText);
  const padId = required(padToken);
  if (maxLength < 2) throw new RangeError('maxLength must leave room for the start and end tokens');

  const cache = new Map<string, string[]>();
  const bpe = (piece: string): string[] => {
    const cached = cache.get(piece);
    if (cached) return cached;
    const symbols = Array.from(piece);
    symbols[symbols.length - 1] += '</w>';
    let word = symbols;
    while (word.length > 1) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i < word.length - 1; i++) {
        const r = ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best]!;
      const second = word[best + 1]!;
      // Every non-overlapping occurrence of the pair is merged, scanning left to right.
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === first && word[i + 1] === second && i < word.length - 1) {
          merged.push(first + second);
          i++;
        } else {
          merged.push(word[i]!);
        }
      }
      word = merged;
    }
    cache.set(piece, word);
    return word;
  };

  const tokenize = (text: string): string[] => {
    const tokens: string[] = [];
    for (const match of normalizeClipText(text).matchAll(tokenPattern)) {
      const piece = match[0];
      if (piece === startOfText || piece === endOfText) {
        tokens.push(piece);
        continue;
      }
      const mapped = Array.from(encoder.encode(piece), (b) => byteToUnicode[b]!).join('');
      tokens.push(...bpe(mapped));
    }
    return tokens;
  };

  return {
    maxLength,
    tokenize,
    encode(text) {
      const body = tokenize(text)
        .slice(0, maxLength - 2)
        .map((token) => idOf(token) ?? endId);
      const ids = [startId, ...body, endId];
      while (ids.length < maxLength) ids.push(padId);
      return ids;
    },
  };
}
