/**
 * Textual inversion for Stable Diffusion: learned embeddings (diffusers or A1111 safetensors layout) whose
 * trigger tokens are added to the tokenizer and whose vectors become new rows of the text encoder's token
 * embedding table before its session is created. See docs/stable-diffusion.md.
 */
export { SdTextualInversionError } from './errors.js';
export { type AddedToken, extendTokenizer } from './extendTokenizer.js';
export { injectEmbeddings, tokenEmbeddingModule } from './injectEmbeddings.js';
export { defaultEmbeddingFileName, loadTextualInversion } from './loadTextualInversion.js';
export { parseEmbeddingFile, type TextualInversionEmbedding } from './parseEmbeddingFile.js';
