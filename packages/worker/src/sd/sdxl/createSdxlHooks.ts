import { Tensor } from 'onnxruntime-node';
import type { SdModel } from '../model/loadSdModel.js';
import { getSdxlTimeIds, type SdxlParts } from './loadSdxl.js';

export type SdxlHooks = {
  /** For generateImages: joined penultimate states of both encoders (zeros for an empty negative prompt). */
  encodePrompt(text: string, role: 'prompt' | 'negative'): Promise<{ data: Float32Array; dims: number[] }>;
  /** For generateImages: the base UNet with `text_embeds` and `time_ids` for the batch ([negative, prompt] when guiding). */
  runUnet(feeds: Record<string, Tensor>): Promise<Tensor>;
};

/**
 * The SDXL text-to-image conditioning of diffusers' StableDiffusionXLPipeline for one task: prompt states from
 * both text encoders, pooled `text_embeds` from encoder 2, `time_ids` from the image size; with
 * `force_zeros_for_empty_prompt` an empty negative prompt gives zero states and zero pooled embeds.
 */
export function createSdxlHooks(parameters: {
  model: SdModel;
  parts: SdxlParts;
  width: number;
  height: number;
}): SdxlHooks {
  const { model, parts, width, height } = parameters;
  const pooled: Partial<Record<'prompt' | 'negative', Float32Array>> = {};
  const timeIds = getSdxlTimeIds({ width, height });
  return {
    async encodePrompt(text, role) {
      const encoded = await parts.encode(text);
      if (role === 'negative' && text === '' && parts.zerosForEmptyNegative) {
        pooled.negative = new Float32Array(encoded.pooled.length);
        return { data: new Float32Array(encoded.states.data.length), dims: encoded.states.dims };
      }
      pooled[role] = encoded.pooled;
      return encoded.states;
    },
    async runUnet(feeds) {
      const batch = feeds.sample!.dims[0]!;
      const rows = batch === 2 ? [pooled.negative!, pooled.prompt!] : [pooled.prompt!];
      const width2 = rows[0]!.length;
      const textEmbeds = new Float32Array(batch * width2);
      rows.forEach((row, i) => {
        textEmbeds.set(row, i * width2);
      });
      const ids = new Float32Array(batch * 6);
      for (let b = 0; b < batch; b++) ids.set(timeIds, b * 6);
      const result = await model.unet.run(
        {
          ...feeds,
          text_embeds: new Tensor('float32', textEmbeds, [batch, width2]),
          time_ids: new Tensor('float32', ids, [batch, 6]),
        },
        ['out_sample'],
      );
      return result.out_sample!;
    },
  };
}
