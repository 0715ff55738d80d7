import type { OnnxProto } from '../../onnx/proto.js';
import { readFloatInitializer, type WeightsMap, writeFloatInitializer } from '../weights/index.js';
import { SdTextualInversionError } from './errors.js';
import type { AddedToken } from './extendTokenizer.js';
import type { TextualInversionEmbedding } from './parseEmbeddingFile.js';

/** The CLIP text model's token embedding table, as transformers names the module. */
export const tokenEmbeddingModule = 'text_model.embeddings.token_embedding';

/**
 * Gives each embedding's vectors new token ids after the vocabulary and appends them as rows of the text
 * encoder's token embedding table (diffusers: `resize_token_embeddings`, then the rows are set), each value
 * rounded once to float32. Token names: `token`, then `token_1` … for multi-vector embeddings.
 *
 * @returns the added tokens with their ids and, per trigger token, the tokens it expands to.
 * @throws SdTextualInversionError when a token already exists, two embeddings clash, or the width differs.
 */
export function injectEmbeddings(parameters: {
  model: string;
  graphFile: string;
  graph: OnnxProto.ModelProto;
  weightsMap: WeightsMap;
  vocab: Record<string, number>;
  embeddings: readonly TextualInversionEmbedding[];
}): { added: AddedToken[]; expansions: Map<string, string[]> } {
  const { model, graphFile, graph, weightsMap, vocab, embeddings } = parameters;
  const target = weightsMap.get(tokenEmbeddingModule);
  const first = embeddings[0];
  if (target?.layout !== 'torch')
    throw new SdTextualInversionError({
      embedding: first?.embedding ?? '',
      file: first?.file ?? '',
      reason: `the model's text_encoder weights map has no ${tokenEmbeddingModule} table in torch layout`,
    });
  const table = readFloatInitializer(graph, target.initializer, { model, file: graphFile });
  const [rows, hidden] = table.dims as [number, number];
  const vocabSize = Object.values(vocab).reduce((max, id) => Math.max(max, id), -1) + 1;
  const added: AddedToken[] = [];
  const expansions = new Map<string, string[]>();
  const extra: number[] = [];
  for (const e of embeddings) {
    const fail = (reason: string): never => {
      throw new SdTextualInversionError({ embedding: e.embedding, file: e.file, reason });
    };
    if (rows !== vocabSize)
      fail(`the token embedding table has ${rows} rows for a vocabulary of ${vocabSize} tokens`);
    if (e.hidden !== hidden) fail(`its vectors have ${e.hidden} values, the text encoder ${hidden}`);
    const names = Array.from({ length: e.count }, (_, i) => (i === 0 ? e.token : `${e.token}_${i}`));
    for (const name of names) {
      if (Object.hasOwn(vocab, name) || added.some((a) => a.token === name))
        fail(`token "${name}" is already in the tokenizer; give the embedding another token`);
      added.push({ token: name, id: vocabSize + added.length });
      if (name !== e.token) expansions.set(name, [name]);
    }
    expansions.set(e.token, names);
    for (const v of e.vectors) extra.push(v);
  }
  const values = new Float32Array(table.values.length + extra.length);
  values.set(table.values);
  values.set(Float32Array.from(extra), table.values.length);
  writeFloatInitializer(table.proto, [rows + added.length, hidden], values);
  return { added, expansions };
}
