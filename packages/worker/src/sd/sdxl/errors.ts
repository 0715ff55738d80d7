import { BaseError } from '@verinet/protocol/errors';

/** An SDXL model folder whose second text encoder, tokenizer or UNet lacks what the SDXL pipeline needs. */
export class SdxlModelError extends BaseError {
  override name = 'SdxlModelError' as const;
  constructor({ model, file, reason }: { model: string; file: string; reason: string }) {
    super(`SDXL model "${model}" has an unusable ${file}: ${reason}.`, {
      details: [
        'SDXL (optimum ONNX layout): text_encoder (hidden_states.*), text_encoder_2 (text_embeds, hidden_states.*),',
        'tokenizer_2/, and a UNet with the inputs text_embeds [batch, pooled] and time_ids [batch, 6].',
      ],
      docsPath: 'stable-diffusion.md',
    });
  }
}
