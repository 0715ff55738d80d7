import type { ClipTokenizer } from '../tokenizer/index.js';

/** An added token and the id it takes (after the base vocabulary, in load order). */
export type AddedToken = { token: string; id: number };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Wraps a CLIP tokenizer with added tokens the way transformers treats `tokenizer.add_tokens`: the raw text is
 * first split on the added tokens (case-sensitive, longest first), the pieces between them go through the base
 * tokenizer, and each trigger of a multi-vector embedding expands to `token token_1 … token_{n-1}` (diffusers'
 * `maybe_convert_prompt`).
 *
 * @example
 * const tokenizer = extendTokenizer(base, vocab, [{ token: '<cat-toy>', id: 49408 }], new Map([['<cat-toy>', ['<cat-toy>']]]));
 */
export function extendTokenizer(
  base: ClipTokenizer,
  vocab: Record<string, number>,
  added: readonly AddedToken[],
  expansions: ReadonlyMap<string, readonly string[]>,
): ClipTokenizer {
  const ids = new Map(added.map((a) => [a.token, a.id]));
  const [startId, endId, padId] = base.encode('');
  const triggers = [...expansions.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const splitter = new RegExp(`(${triggers.map(escapeRegExp).join('|')})`);
  const tokenize = (text: string): string[] =>
    text
      .split(splitter)
      .flatMap((piece, i) =>
        i % 2 === 1 ? [...expansions.get(piece)!] : piece === '' ? [] : base.tokenize(piece),
      );
  return {
    maxLength: base.maxLength,
    tokenize,
    encode(text) {
      const body = tokenize(text)
        .slice(0, base.maxLength - 2)
        .map((token) => ids.get(token) ?? (Object.hasOwn(vocab, token) ? vocab[token]! : endId!));
      const out = [startId!, ...body, endId!];
      while (out.length < base.maxLength) out.push(padId!);
      return out;
    },
  };
}
