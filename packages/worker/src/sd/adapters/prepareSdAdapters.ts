import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getModelDir } from '../../models/index.js';
import { loadLora, mergeLoras, SdLoraError, type WeightedLora } from '../lora/index.js';
import type { SdModel } from '../model/loadSdModel.js';
import {
  type AddedToken,
  extendTokenizer,
  injectEmbeddings,
  loadTextualInversion,
  type TextualInversionEmbedding,
} from '../textualInversion/index.js';
import { decodeOnnxModel, encodeOnnxModel, loadWeightsMap } from '../weights/index.js';

/** The adapters of one task, as the normalized task arguments give them. */
export type SdAdapterRequest = {
  loras: readonly { model: string; weight_file_name?: string | undefined; weight: number }[];
  textualInversions: readonly {
    model: string;
    weight_file_name?: string | undefined;
    token?: string | undefined;
  }[];
};

export type PreparedSdAdapters = {
  /** For `loadSdModel`: merges the LoRAs and embeddings into the UNet and text encoder graphs. */
  prepareGraph(file: string, bytes: Uint8Array): Promise<Uint8Array>;
  /** Applied to the loaded model: the tokenizer with the embeddings' trigger tokens. */
  finish(model: SdModel): SdModel;
};

/**
 * Reads a task's LoRA and textual-inversion files from the model store and returns the hooks that apply them
 * while the base model loads: graphs are rewritten in memory before their sessions exist, so inference runs
 * the merged weights at the base model's speed.
 *
 * @throws SdLoraError, SdTextualInversionError, SdWeightsMapError, SdUnsupportedArgumentError naming the file.
 */
export async function prepareSdAdapters(parameters: {
  modelsDir: string;
  modelId: string;
  request: SdAdapterRequest;
}): Promise<PreparedSdAdapters> {
  const { modelsDir, modelId, request } = parameters;
  const dir = getModelDir(modelsDir, modelId);
  const loras: WeightedLora[] = [];
  for (const [i, lora] of request.loras.entries()) {
    const loaded = await loadLora({
      modelsDir,
      model: lora.model,
      fileName: lora.weight_file_name,
      weightPercent: lora.weight,
      field: `lora.${i}`,
    });
    const foreign = loaded.modules.find((m) => m.component !== 'unet' && m.component !== 'text_encoder');
    if (foreign)
      throw new SdLoraError({
        lora: loaded.lora,
        file: loaded.file,
        reason: `"${foreign.key}" adapts ${foreign.component}, which this model does not have (an SDXL LoRA?)`,
      });
    loras.push(loaded);
  }
  const embeddings: TextualInversionEmbedding[] = [];
  for (const [i, ti] of request.textualInversions.entries()) {
    embeddings.push(
      await loadTextualInversion({
        modelsDir,
        model: ti.model,
        fileName: ti.weight_file_name,
        token: ti.token,
        field: `textual_inversion.${i}`,
      }),
    );
  }
  let vocab: Record<string, number> | undefined;
  let tokens: { added: AddedToken[]; expansions: Map<string, string[]> } | undefined;

  return {
    async prepareGraph(file, bytes) {
      const folder = file.split('/')[0]!;
      // The ControlNet variant of the UNet (unet_controlnet/) takes the UNet's LoRA updates.
      const component = folder === 'unet_controlnet' ? 'unet' : folder;
      const touched = component === 'unet' || component === 'text_encoder';
      const withEmbeddings = component === 'text_encoder' && embeddings.length > 0;
      if (
        !touched ||
        (loras.every((l) => l.modules.every((m) => m.component !== component)) && !withEmbeddings)
      )
        return bytes;
      const graph = decodeOnnxModel(bytes);
      const weightsMap = await loadWeightsMap({ model: modelId, dir, component: folder, graph });
      mergeLoras({
        model: modelId,
        component: component as 'unet',
        graphFile: file,
        graph,
        weightsMap,
        loras,
      });
      if (withEmbeddings) {
        vocab = JSON.parse(await readFile(join(dir, 'tokenizer/vocab.json'), 'utf8')) as Record<
          string,
          number
        >;
        tokens = injectEmbeddings({ model: modelId, graphFile: file, graph, weightsMap, vocab, embeddings });
      }
      return encodeOnnxModel(graph);
    },
    finish(model) {
      if (!tokens || !vocab) return model;
      return {
        ...model,
        tokenizer: extendTokenizer(model.tokenizer, vocab, tokens.added, tokens.expansions),
      };
    },
  };
}
