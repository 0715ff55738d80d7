export { getByteAlphabet, getByteToUnicode } from './byteUnicode.js';
export {
  type ClipTokenizer,
  type ClipTokenizerParameters,
  createClipTokenizer,
  endOfText,
  normalizeClipText,
  startOfText,
} from './clipTokenizer.js';
export { loadClipTokenizer } from './loadClipTokenizer.js';
