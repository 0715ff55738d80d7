/**
 * The reversible byte -> printable character map of GPT-2 and CLIP BPE: printable Latin-1 bytes map to
 * themselves, the other 68 bytes to U+0100 onwards in byte order. Its value order is also the order of
 * the first 256 entries of a CLIP vocabulary.
 */
export function getByteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map = new Array<string>(256);
  for (const b of printable) map[b] = String.fromCodePoint(b);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (map[b] === undefined) map[b] = String.fromCodePoint(256 + next++);
  }
  return map;
}

/** The 256 byte characters in vocabulary order (printable bytes first, then the remapped ones). */
export function getByteAlphabet(): string[] {
  const map = getByteToUnicode();
  const printable: string[] = [];
  const remapped: string[] = [];
  for (let b = 0; b < 256; b++) (map[b]!.codePointAt(0)! >= 256 ? remapped : printable).push(map[b]!);
  return [...printable, ...remapped];
}
