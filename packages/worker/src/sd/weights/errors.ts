import { BaseError } from '@verinet/protocol/errors';

/** A model's weights_map.json, or an initializer it names, cannot serve adapters (LoRA, textual inversion). */
export class SdWeightsMapError extends BaseError {
  override name = 'SdWeightsMapError' as const;
  constructor({ model, file, reason }: { model: string; file: string; reason: string }) {
    super(`Stable Diffusion model "${model}": ${file} cannot take adapter weights: ${reason}.`, {
      details: [
        '<component>/weights_map.json maps diffusers/transformers module paths to ONNX initializers:',
        '{ "format": "verinet-weights-map/1", "modules": { "<module path>": { "initializer": "<name>", "layout": "torch" | "transposed" } } }',
      ],
      docsPath: 'stable-diffusion.md',
    });
  }
}
