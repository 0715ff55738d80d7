/**
 * A tiny byte-level BPE tokenizer in the Hugging Face `tokenizer.json` format (the GPT-2 scheme): the 256
 * byte symbols, merges learned from a fixed corpus by the usual most-frequent-pair rule, and three special
 * tokens. Pure and deterministic: the same call always returns the same JSON.
 */

const corpus = [
  'the quick brown fox jumps over the lazy dog',
  'hello world, this is a tiny model that speaks in random tokens',
  'the node runs the task and the worker writes the result',
  'a verifiable network of nodes that run inference for the application',
  'user assistant system',
].join('\n');

export const tinySpecialTokens = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/** GPT-2's reversible map from bytes to printable characters (printable bytes map to themselves). */
export function getByteToUnicode(): string[] {
  const printable = new Set<number>();
  for (let b = 33; b <= 126; b++) printable.add(b);
  for (let b = 161; b <= 172; b++) printable.add(b);
  for (let b = 174; b <= 255; b++) printable.add(b);
  const out: string[] = [];
  let next = 0;
  for (let b = 0; b < 256; b++) {
    out.push(String.fromCodePoint(printable.has(b) ? b : 256 + next++));
  }
  return out;
}

/** Learns `count` merges from the fixed corpus; ties break on the lexicographically smallest pair. */
function learnMerges(count: number, byteToUnicode: string[]): [string, string][] {
  const encoder = new TextEncoder();
  const words = new Map<string, number>();
  for (const line of corpus.split('\n')) {
    line.split(' ').forEach((word, i) => {
      const text = i === 0 ? word : ` ${word}`;
      const symbols = Array.from(encoder.encode(text), (b) => byteToUnicode[b]!).join('\u0000');
      words.set(symbols, (words.get(symbols) ?? 0) + 1);
    });
  }
  let split = [...words].map(([w, n]) => ({ symbols: w.split('\u0000'), n }));
  const merges: [string, string][] = [];
  for (let m = 0; m < count; m++) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of split) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestCount = 1;
    for (const [key, n] of pairs) {
      if (n > bestCount || (n === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (best === undefined) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    split = split.map(({ symbols, n }) => {
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else merged.push(symbols[i]!);
      }
      return { symbols: merged, n };
    });
  }
  return merges;
}

export type TinyTokenizer = {
  /** The `tokenizer.json` document. */
  tokenizer: Record<string, unknown>;
  vocabSize: number;
  /** Ids of `<|endoftext|>`, `<|im_start|>`, `<|im_end|>`. */
  specialIds: Record<(typeof tinySpecialTokens)[number], number>;
};

/** Builds the tiny tokenizer with `mergeCount` merges (vocabulary 256 + merges + 3 special tokens). */
export function createTinyTokenizer(mergeCount = 48): TinyTokenizer {
  const byteToUnicode = getByteToUnicode();
  const merges = learnMerges(mergeCount, byteToUnicode);
  const vocab: Record<string, number> = {};
  byteToUnicode.forEach((symbol, id) => {
    vocab[symbol] = id;
  });
  for (const [a, b] of merges) vocab[a + b] ??= Object.keys(vocab).length;
  let nextId = Object.keys(vocab).length;
  const specialIds = {} as TinyTokenizer['specialIds'];
  const addedTokens = tinySpecialTokens.map((content) => {
    const id = nextId++;
    specialIds[content] = id;
    return {
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    };
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    vocabSize: nextId,
    specialIds,
    tokenizer: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokens,
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: { ...byteLevel, trim_offsets: false },
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges: merges.map(([a, b]) => `${a} ${b}`),
      },
    },
  };
}
