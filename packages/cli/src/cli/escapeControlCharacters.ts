// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from the network (a model's output, a node's error message) made safe for a terminal: control
 * characters other than newline and tab, and the bidirectional overrides that reorder what is shown, are
 * written as escapes (`\x1b`, `\u202e`) instead of being obeyed. A tiny random model emits such characters.
 *
 * @example
 * escapeControlCharacters('hi\x1b[2J') // 'hi\\x1b[2J'
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(unsafe, (character) => {
    const code = character.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
